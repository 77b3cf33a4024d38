/** Thrown by a service handler for a business outcome: routed to a matching error boundary or event sub-process. */
export class BpmnError extends Error {
  constructor(
    readonly errorCode: string,
    message?: string,
  ) {
    super(message ?? errorCode);
    this.name = 'BpmnError';
  }
}
