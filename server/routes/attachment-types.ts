/**
 * The file types a task attachment may have (附件: 发票, 合同, 批复 …): by extension, each with the content
 * type it is served with and the leading bytes its content must start with. A file is accepted only when both
 * the extension is allowed and the content matches it, so a renamed executable or HTML page is refused. OFD
 * (the Chinese e-invoice format) and the Office Open XML formats are ZIP containers; .doc and .xls are OLE2.
 */

export interface AttachmentType {
  readonly extension: string;
  readonly contentType: string;
  /** The content must start with one of these byte sequences. */
  readonly magic: readonly (readonly number[])[];
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

const TYPES: readonly AttachmentType[] = [
  { extension: 'pdf', contentType: 'application/pdf', magic: [[0x25, 0x50, 0x44, 0x46, 0x2d]] },
  { extension: 'png', contentType: 'image/png', magic: [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]] },
  { extension: 'jpg', contentType: 'image/jpeg', magic: [[0xff, 0xd8, 0xff]] },
  { extension: 'jpeg', contentType: 'image/jpeg', magic: [[0xff, 0xd8, 0xff]] },
  { extension: 'ofd', contentType: 'application/ofd', magic: [ZIP] },
  { extension: 'doc', contentType: 'application/msword', magic: [OLE2] },
  {
    extension: 'docx',
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    magic: [ZIP],
  },
  { extension: 'xls', contentType: 'application/vnd.ms-excel', magic: [OLE2] },
  {
    extension: 'xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    magic: [ZIP],
  },
  { extension: 'zip', contentType: 'application/zip', magic: [ZIP, EMPTY_ZIP] },
];

/** The allowed extensions, for messages and documentation. */
export const ALLOWED_EXTENSIONS: readonly string[] = TYPES.map((t) => t.extension);

/** The type for a file name's extension, or undefined when the extension is not allowed. */
export function attachmentTypeOf(fileName: string): AttachmentType | undefined {
  const dot = fileName.lastIndexOf('.');
  if (dot < 0) return undefined;
  const extension = fileName.slice(dot + 1).toLowerCase();
  return TYPES.find((t) => t.extension === extension);
}

/** True when the content starts with one of the type's signatures. */
export function contentMatches(type: AttachmentType, content: Uint8Array): boolean {
  return type.magic.some(
    (sig) => sig.length <= content.length && sig.every((byte, i) => content[i] === byte),
  );
}

/**
 * A file name safe to store and to send back: the last path segment, without control characters or quotes,
 * at most 255 characters (keeping the extension).
 */
export function cleanFileName(original: string): string {
  const base = original.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '_').trim();
  if (cleaned.length <= 255) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 255 - ext.length) + ext;
}
