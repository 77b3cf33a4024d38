/**
 * Routes: files attached to a task (附件), Camunda's `/task/{id}/attachment` shape. Whoever may see the task may
 * list, upload and download its attachments.
 *
 * Uploads are `multipart/form-data` with one part named `file` (and an optional `description`), read into memory
 * and refused before storing when larger than `ATTACHMENT_MAX_BYTES` (413) or not of an allowed type (415: the
 * extension must be allowed AND the content must start with that type's signature, attachment-types.ts). The
 * bytes are stored in the database (`task_attachments.content`), so every API process serves them and backups
 * include them. Downloads go out as `Content-Disposition: attachment` with the stored type and `nosniff`, so a
 * browser never renders an upload inline.
 */
import { createHash, randomUUID } from 'node:crypto';
import type Koa from 'koa';
import multer from 'multer';
import { z } from 'zod';
import { ApiError, errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { ALLOWED_EXTENSIONS, attachmentTypeOf, cleanFileName, contentMatches } from './attachment-types.js';
import { visibleTask } from './task-access.js';
import { TaskIdParams } from './tasks.js';
import { fromDbTime } from './views/db-time.js';
import { iso } from './views/paging.js';

const AttachmentSchema = z
  .object({
    id: z.string(),
    taskId: z.string(),
    processInstanceId: z.string(),
    name: z.string().describe('File name as uploaded (cleaned)'),
    description: z.string().nullable(),
    type: z.string().describe('Content type'),
    size: z.number().int().describe('Bytes'),
    sha256: z.string(),
    userId: z.string(),
    createTime: z.string(),
  })
  .describe('Attachment');

interface AttachmentRow {
  id: string;
  task_id: string;
  instance_id: string;
  user_id: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  description: string | null;
  created_at: unknown;
}

const COLUMNS = [
  'id',
  'task_id',
  'instance_id',
  'user_id',
  'file_name',
  'content_type',
  'size_bytes',
  'sha256',
  'description',
  'created_at',
];

function toAttachmentJson(r: AttachmentRow): z.input<typeof AttachmentSchema> {
  return {
    id: r.id,
    taskId: r.task_id,
    processInstanceId: r.instance_id,
    name: r.file_name,
    description: r.description,
    type: r.content_type,
    size: Number(r.size_bytes),
    sha256: r.sha256,
    userId: r.user_id,
    createTime: iso(fromDbTime(r.created_at)),
  };
}

const createAttachment = defineRoute({
  method: 'post',
  path: '/task/{id}/attachment/create',
  summary: 'Attach a file to a task',
  description:
    `multipart/form-data with the file in the part \`file\` and an optional \`description\`. Allowed types: ` +
    `${ALLOWED_EXTENSIONS.join(', ')} (extension and content are both checked; 415 otherwise). Larger than ` +
    'ATTACHMENT_MAX_BYTES (default 10 MB) → 413.',
  tags: ['Task attachment'],
  access: 'user',
  params: TaskIdParams,
  bodyKind: 'multipart',
  response: AttachmentSchema,
  errors: [413, 415],
  handler: async ({ params, services, principal, koa }) => {
    const task = await visibleTask(services, principal, params.id);
    const upload = await readUpload(koa, services.config.ATTACHMENT_MAX_BYTES);
    const row: AttachmentRow & { content: Buffer } = {
      id: randomUUID(),
      task_id: task.id,
      instance_id: task.instanceId,
      user_id: principal.userId,
      file_name: upload.name,
      content_type: upload.contentType,
      size_bytes: upload.content.length,
      sha256: createHash('sha256').update(upload.content).digest('hex'),
      description: upload.description,
      created_at: new Date(services.now()),
      content: upload.content,
    };
    await services.knex('task_attachments').insert(row);
    return toAttachmentJson(row);
  },
});

const listAttachments = defineRoute({
  method: 'get',
  path: '/task/{id}/attachment',
  summary: 'Attachments of a task, oldest first',
  tags: ['Task attachment'],
  access: 'user',
  params: TaskIdParams,
  response: z.array(AttachmentSchema),
  handler: async ({ params, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    const rows = (await services
      .knex('task_attachments')
      .select(COLUMNS)
      .where({ task_id: task.id })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])) as AttachmentRow[];
    return rows.map(toAttachmentJson);
  },
});

const AttachmentParams = TaskIdParams.extend({
  attachmentId: z.string().trim().min(1).max(64).describe('Attachment id'),
});

const getAttachment = defineRoute({
  method: 'get',
  path: '/task/{id}/attachment/{attachmentId}',
  summary: 'One attachment’s metadata',
  tags: ['Task attachment'],
  access: 'user',
  params: AttachmentParams,
  response: AttachmentSchema,
  handler: async ({ params, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    const row = (await services
      .knex('task_attachments')
      .select(COLUMNS)
      .where({ id: params.attachmentId, task_id: task.id })
      .first()) as AttachmentRow | undefined;
    if (!row) throw errors.notFound('附件', params.attachmentId);
    return toAttachmentJson(row);
  },
});

const downloadAttachment = defineRoute({
  method: 'get',
  path: '/task/{id}/attachment/{attachmentId}/data',
  summary: 'Download an attachment',
  description: 'The stored bytes, as `Content-Disposition: attachment` with the stored content type.',
  tags: ['Task attachment'],
  access: 'user',
  params: AttachmentParams,
  response: z.string().describe('The file (binary)'),
  handler: async ({ params, services, principal, koa }) => {
    const task = await visibleTask(services, principal, params.id);
    const row = (await services
      .knex('task_attachments')
      .select('file_name', 'content_type', 'content')
      .where({ id: params.attachmentId, task_id: task.id })
      .first()) as { file_name: string; content_type: string; content: Buffer } | undefined;
    if (!row) throw errors.notFound('附件', params.attachmentId);
    koa.attachment(row.file_name, { fallback: asciiFallback(row.file_name) });
    koa.type = row.content_type;
    koa.set('X-Content-Type-Options', 'nosniff');
    koa.set('Cache-Control', 'private, no-store');
    return Buffer.from(row.content) as unknown as string;
  },
});

export const attachmentRoutes: RouteSpec[] = [
  createAttachment,
  listAttachments,
  getAttachment,
  downloadAttachment,
];

// uploads //////

interface Upload {
  readonly name: string;
  readonly contentType: string;
  readonly description: string | null;
  readonly content: Buffer;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(
    413,
    'PAYLOAD_TOO_LARGE',
    `附件超过 ${maxBytes} 字节的上限`,
    `The attachment exceeds the limit of ${maxBytes} bytes`,
    { field: 'body.file', maxBytes },
  );
}

function notAllowed(name: string): ApiError {
  return new ApiError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `不支持的附件类型：${name}（允许 ${ALLOWED_EXTENSIONS.join('、')}）`,
    `Attachment type not allowed: ${name} (allowed: ${ALLOWED_EXTENSIONS.join(', ')})`,
    { field: 'body.file', allowed: ALLOWED_EXTENSIONS },
  );
}

async function readUpload(koa: Koa.Context, maxBytes: number): Promise<Upload> {
  if (!koa.is('multipart/form-data'))
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      '请以 multipart/form-data 上传附件（文件放在 file 字段）',
      'Upload the attachment as multipart/form-data (the file in the part `file`)',
      { field: 'headers.Content-Type' },
    );
  // far over the limit: refuse without reading it all
  if (Number(koa.get('Content-Length') || 0) > maxBytes + 1024 * 1024) {
    koa.set('Connection', 'close');
    throw tooLarge(maxBytes);
  }
  const middleware = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: { fileSize: maxBytes, files: 1, fields: 5, parts: 6, fieldSize: 4096 },
  }).single('file');
  const req = koa.req as Parameters<typeof middleware>[0];
  try {
    await new Promise<void>((resolve, reject) =>
      middleware(req, koa.res as Parameters<typeof middleware>[1], (err: unknown) =>
        err ? reject(err) : resolve(),
      ),
    );
  } catch (err) {
    if (err instanceof multer.MulterError) {
      if (err.code === 'LIMIT_FILE_SIZE') throw tooLarge(maxBytes);
      const field = `body.${err.field ?? 'file'}`;
      throw errors.invalid(field, `上传内容有误：${err.message}`, `Invalid upload: ${err.message}`);
    }
    throw errors.invalid('body', '无法解析 multipart 请求体', 'The multipart body could not be read');
  }
  const file = (req as { file?: Express.Multer.File }).file;
  if (!file)
    throw errors.invalid('body.file', '未上传文件（文件放在 file 字段）', 'No file in the part `file`');
  const name = cleanFileName(file.originalname);
  if (file.size === 0) throw errors.invalid('body.file', `文件为空：${name}`, `Empty file: ${name}`);
  const type = attachmentTypeOf(name);
  if (!type) throw notAllowed(name);
  if (!contentMatches(type, file.buffer))
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `文件内容与扩展名 .${type.extension} 不符：${name}`,
      `The content of ${name} is not a .${type.extension} file`,
      { field: 'body.file', extension: type.extension },
    );
  const description = (req as { body?: Record<string, unknown> }).body?.description;
  if (description !== undefined && (typeof description !== 'string' || description.length > 1000))
    throw errors.invalid('body.description', '说明至多 1000 个字符', 'description: at most 1000 characters');
  return {
    name,
    contentType: type.contentType,
    description: typeof description === 'string' && description.trim() ? description.trim() : null,
    content: file.buffer,
  };
}

/** The ASCII file name for clients that ignore `filename*` (non-ASCII characters become `_`). */
function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_');
}
