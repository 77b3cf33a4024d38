/**
 * Routes: deploying BPMN files (Camunda's `POST /deployment/create`). A designer sends one file as the raw body
 * (`application/xml`) or several `.bpmn` files as multipart. Every file is validated before anything is
 * deployed, so a batch either deploys whole or answers 422 listing every problem with its element id. Each
 * deployed version comes back with what it changes against the version before it.
 */
import type Koa from 'koa';
import multer from 'multer';
import { loadModel, type Problem } from '../../engine/index.js';
import { ApiError, errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import type { AppServices } from '../services.js';
import { compiledProcesses, diffProcesses, type ProcessChanges } from './views/definition-diff.js';
import { DeploymentSchema, toChangesJson, toDefinitionJson } from './views/definition.js';

/** Most files one multipart deployment may carry. */
export const MAX_DEPLOYMENT_FILES = 20;

/** One BPMN text to deploy and where it came from. */
interface BpmnUpload {
  readonly fileName: string | null;
  readonly field: string;
  readonly xml: Buffer;
}

const deployRoute = defineRoute({
  method: 'post',
  path: '/deployment/create',
  summary: 'Deploy BPMN files as new process versions',
  description:
    'Raw BPMN XML (`Content-Type: application/xml` or `text/xml`) or `multipart/form-data` with one or more ' +
    `\`.bpmn\` files (any field name, at most ${MAX_DEPLOYMENT_FILES}). Each file is at most BPMN_MAX_BYTES. All ` +
    'files are validated first; any problem answers 422 with `details.problems` (every problem, with elementId, ' +
    'elementType, rule, message and fileName) and nothing is deployed. Identical XML is not deployed again ' +
    '(`isNew: false`). `changes` compares each version with the previous version of its key.',
  tags: ['Deployment'],
  access: { anyRole: ['designer'] },
  bodyKind: 'xml-or-multipart',
  response: DeploymentSchema,
  errors: [413, 415, 422],
  handler: async ({ koa, services, principal }) => {
    const uploads = await readUploads(koa, services);
    const maxBytes = services.config.BPMN_MAX_BYTES;
    const problems: (Problem & { fileName: string | null })[] = [];
    for (const upload of uploads) {
      const loaded = await loadModel(upload.xml, { maxBytes });
      if (!loaded.ok) problems.push(...loaded.problems.map((p) => ({ ...p, fileName: upload.fileName })));
    }
    if (problems.length > 0)
      throw new ApiError(
        422,
        'VALIDATION_FAILED',
        `流程模型校验未通过，共 ${problems.length} 个问题，未部署：${problems
          .slice(0, 3)
          .map((p) => `${p.elementId} ${p.message}`)
          .join('；')}`,
        `The BPMN has ${problems.length} problem(s) and was not deployed`,
        { problems },
      );

    const deployed = [];
    for (const upload of uploads) {
      for (const d of await services.engine.deploy(upload.xml, { deployedBy: principal.userId })) {
        const versions = await services.engine.listDefinitions(d.processKey);
        const current = versions.find((v) => v.id === d.definitionId);
        if (!current) throw new Error(`deployed definition ${d.definitionId} is not listed`);
        deployed.push({
          ...toDefinitionJson(current),
          isNew: d.isNew,
          fileName: upload.fileName,
          changes: toChangesJson(await changesOf(services, d.processKey, d.version, upload.xml)),
        });
      }
    }
    return { deployedProcessDefinitions: deployed };
  },
});

export const deploymentRoutes: RouteSpec[] = [deployRoute];

/** What `version` of `key` changes against `version - 1` (against nothing for version 1). */
async function changesOf(
  services: AppServices,
  key: string,
  version: number,
  xml: Buffer,
): Promise<ProcessChanges> {
  const maxBytes = services.config.BPMN_MAX_BYTES;
  const next = (await compiledProcesses(xml, maxBytes))?.[key];
  if (!next) throw new Error(`process ${key} is missing from its own deployment`);
  const previous =
    version > 1
      ? (await services.engine.listDefinitions(key)).find((d) => d.version === version - 1)
      : undefined;
  if (!previous) return diffProcesses(undefined, next, null);
  const before = await compiledProcesses(await services.engine.getDefinitionXml(previous.id), maxBytes);
  return diffProcesses(before?.[key], next, previous.version);
}

// request bodies //////

async function readUploads(koa: Koa.Context, services: AppServices): Promise<BpmnUpload[]> {
  const maxBytes = services.config.BPMN_MAX_BYTES;
  if (koa.is('multipart/form-data')) return readMultipart(koa, maxBytes);
  if (koa.is('application/xml', 'text/xml', 'application/bpmn+xml')) {
    const xml = await readRawBody(koa, maxBytes);
    if (xml.length === 0)
      throw errors.invalid('body', '请求体为空，请提交 BPMN XML', 'The body is empty: send BPMN XML');
    return [{ fileName: null, field: 'body', xml }];
  }
  throw new ApiError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    '请以 application/xml 提交 BPMN XML，或以 multipart/form-data 上传 .bpmn 文件',
    'Send BPMN XML as application/xml, or .bpmn files as multipart/form-data',
    { field: 'headers.Content-Type' },
  );
}

function tooLarge(maxBytes: number, field = 'body'): ApiError {
  return new ApiError(
    413,
    'PAYLOAD_TOO_LARGE',
    `BPMN 文件超过 ${maxBytes} 字节的上限`,
    `The BPMN file exceeds the limit of ${maxBytes} bytes`,
    { field, maxBytes },
  );
}

/** The raw body, refused with 413 as soon as it passes `maxBytes`. */
async function readRawBody(koa: Koa.Context, maxBytes: number): Promise<Buffer> {
  const declared = Number(koa.get('Content-Length') || 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of koa.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readMultipart(koa: Koa.Context, maxBytes: number): Promise<BpmnUpload[]> {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: {
      fileSize: maxBytes,
      files: MAX_DEPLOYMENT_FILES,
      fields: 10,
      parts: MAX_DEPLOYMENT_FILES + 10,
    },
  }).any();
  const req = koa.req as Parameters<typeof upload>[0];
  try {
    await new Promise<void>((resolve, reject) =>
      upload(req, koa.res as Parameters<typeof upload>[1], (err: unknown) => (err ? reject(err) : resolve())),
    );
  } catch (err) {
    if (err instanceof multer.MulterError) {
      const field = `body.${err.field ?? 'file'}`;
      if (err.code === 'LIMIT_FILE_SIZE') throw tooLarge(maxBytes, field);
      if (err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_PART_COUNT')
        throw new ApiError(
          413,
          'PAYLOAD_TOO_LARGE',
          `一次最多部署 ${MAX_DEPLOYMENT_FILES} 个文件`,
          `At most ${MAX_DEPLOYMENT_FILES} files per deployment`,
          { field: 'body', maxFiles: MAX_DEPLOYMENT_FILES },
        );
      throw errors.invalid(field, `上传内容有误：${err.message}`, `Invalid upload: ${err.message}`);
    }
    throw errors.invalid('body', '无法解析 multipart 请求体', 'The multipart body could not be read');
  }
  const files = ((req as { files?: Express.Multer.File[] }).files ?? []) as Express.Multer.File[];
  if (files.length === 0) throw errors.invalid('body', '未上传任何 .bpmn 文件', 'No .bpmn file was uploaded');
  for (const file of files) {
    if (!/\.bpmn(20)?(\.xml)?$/i.test(file.originalname) && !/\.xml$/i.test(file.originalname))
      throw errors.invalid(
        `body.${file.fieldname}`,
        `只接受 .bpmn 文件：${file.originalname}`,
        `Only .bpmn files are accepted: ${file.originalname}`,
      );
    if (file.size === 0)
      throw errors.invalid(
        `body.${file.fieldname}`,
        `文件为空：${file.originalname}`,
        `Empty file: ${file.originalname}`,
      );
  }
  return files.map((f) => ({ fileName: f.originalname, field: f.fieldname, xml: f.buffer }));
}
