/**
 * The one error shape of the API: `{ type, code, message, details? }`. `code` is stable and machine-readable,
 * `message` is for people (Chinese by default, English with `Accept-Language: en`), `details` names the
 * offending field or BPMN element. Engine errors are mapped here, nowhere else.
 */
import { ZodError } from 'zod';

export interface ApiErrorBody {
  /** The error family, as in Camunda's REST errors (`InvalidRequestException`, …). */
  readonly type: string;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** An error with its HTTP status, code and both messages. Throw it from any handler. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageZh: string,
    readonly messageEn: string,
    readonly details?: unknown,
  ) {
    super(messageEn);
    this.name = 'ApiError';
  }

  body(language: 'zh' | 'en'): ApiErrorBody {
    return {
      type: TYPE_BY_STATUS[this.status] ?? 'RestException',
      code: this.code,
      message: language === 'en' ? this.messageEn : this.messageZh,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'InvalidRequestException',
  401: 'AuthenticationException',
  403: 'AuthorizationException',
  404: 'NotFoundException',
  409: 'ConflictException',
  413: 'PayloadTooLargeException',
  415: 'UnsupportedMediaTypeException',
  422: 'UnprocessableEntityException',
  429: 'TooManyRequestsException',
  503: 'ServiceUnavailableException',
};

/** Shorthands for the common errors. */
export const errors = {
  notFound: (what: string, id: string) =>
    new ApiError(404, 'NOT_FOUND', `未找到${what} ${id}，或无权访问`, `${what} ${id} was not found`, {
      id,
    }),
  unauthenticated: (reason = 'token missing or invalid') =>
    new ApiError(401, 'UNAUTHENTICATED', '未登录或登录已失效，请重新登录', `Not authenticated: ${reason}`),
  forbidden: (messageZh: string, messageEn: string, details?: unknown) =>
    new ApiError(403, 'FORBIDDEN', messageZh, messageEn, details),
  invalid: (field: string, messageZh: string, messageEn: string) =>
    new ApiError(400, 'INVALID_REQUEST', messageZh, messageEn, { field }),
  conflict: (code: string, messageZh: string, messageEn: string, details?: unknown) =>
    new ApiError(409, code, messageZh, messageEn, details),
};

/** A zod failure on the request: 400 with every issue and the field it names (`body.variables.amountFen`). */
export function fromZodError(error: ZodError, where: 'params' | 'query' | 'body' | 'headers'): ApiError {
  const issues = error.issues.map((i) => ({
    field: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const first = issues[0];
  return new ApiError(
    400,
    'INVALID_REQUEST',
    `请求参数有误：${first?.field ?? where}（${first?.message ?? ''}）`,
    `Invalid request: ${first?.field ?? where}: ${first?.message ?? ''}`,
    { issues },
  );
}

const ENGINE_STATUS: Record<string, [number, string]> = {
  NOT_FOUND: [404, '未找到对象，或无权访问'],
  INVALID_STATE: [409, '当前状态不允许此操作'],
  VALIDATION_FAILED: [422, '流程模型校验未通过'],
  INVALID_VARIABLES: [400, '变量有误'],
  CONCURRENT_MODIFICATION: [409, '数据已被他人修改，请刷新后重试'],
  STORE_UNAVAILABLE: [503, '数据库暂时不可用，请稍后重试'],
  MESSAGE_NOT_CORRELATED: [404, '消息未匹配到等待中的流程'],
  NO_ASSIGNEE: [409, '未找到办理人'],
};

/**
 * Maps anything thrown by a handler to an ApiError: ApiErrors pass through, engine errors by code (their
 * English message kept), anything else becomes a generic 500 whose detail stays in the log.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return fromZodError(err, 'body');
  const e = err as {
    code?: unknown;
    message?: unknown;
    details?: unknown;
    status?: unknown;
    expose?: unknown;
  };
  if (typeof e?.code === 'string' && ENGINE_STATUS[e.code]) {
    const [status, zh] = ENGINE_STATUS[e.code]!;
    const message = String(e.message ?? e.code);
    return new ApiError(status, e.code, `${zh}：${message}`, message, e.details);
  }
  // koa / body parser errors carry a status and are safe to show
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose !== false) {
    const status = e.status;
    if (status === 413) return new ApiError(413, 'PAYLOAD_TOO_LARGE', '请求体过大', 'Request body too large');
    if (status === 415)
      return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', '不支持的内容类型', 'Unsupported content type');
    return new ApiError(status, 'INVALID_REQUEST', `请求有误：${String(e.message)}`, String(e.message));
  }
  return new ApiError(500, 'INTERNAL_ERROR', '服务器内部错误，请联系管理员', 'Internal server error');
}
