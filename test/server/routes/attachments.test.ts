import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import {
  assertError,
  CHIEF,
  deployPayment,
  OTHER_COUNTY_REVIEWER,
  REVIEWER,
  toReview,
} from './task-fixtures.js';

const LIMIT = 4096;
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(500, 0x20), Buffer.from('%%EOF')]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0]);
const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);

for (const backend of ['sqlite', 'mysql'] as const)
  describe(`server/routes/attachments [${backend}]`, function () {
    this.timeout(30_000);
    let t: TestServer;
    before(async () => {
      t = await createTestServer(backend, { env: { ATTACHMENT_MAX_BYTES: String(LIMIT) } });
      await deployPayment(t);
    });
    after(async () => t?.close());

    it('should store an upload and serve it back as a download with its type, name and nosniff', async () => {
      const { id, review } = await toReview(t);
      const reviewer = await t.as(REVIEWER);
      const up = await reviewer
        .post(`/api/task/${review.id}/attachment/create`)
        .field('description', '采购合同')
        .attach('file', PDF, '采购合同.pdf');
      assert.equal(up.status, 200, JSON.stringify(up.body));
      assert.equal(up.body.name, '采购合同.pdf');
      assert.equal(up.body.type, 'application/pdf');
      assert.equal(up.body.size, PDF.length);
      assert.equal(up.body.description, '采购合同');
      assert.equal(up.body.processInstanceId, id);
      assert.match(up.body.sha256, /^[0-9a-f]{64}$/);

      const list = await (await t.as(CHIEF)).get(`/api/task/${review.id}/attachment`);
      assert.deepEqual(
        list.body.map((a: { id: string }) => a.id),
        [up.body.id],
      );
      const meta = await reviewer.get(`/api/task/${review.id}/attachment/${up.body.id}`);
      assert.equal(meta.body.name, '采购合同.pdf');

      const data = await reviewer
        .get(`/api/task/${review.id}/attachment/${up.body.id}/data`)
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      assert.equal(data.status, 200);
      assert.ok(Buffer.compare(data.body as Buffer, PDF) === 0);
      assert.equal(data.headers['content-type'], 'application/pdf');
      assert.equal(data.headers['x-content-type-options'], 'nosniff');
      assert.match(String(data.headers['content-disposition']), /^attachment;/);
      assert.match(String(data.headers['content-disposition']), /filename\*=UTF-8''%E9%87%87/);

      for (const [bytes, name] of [
        [PNG, '发票.png'],
        [ZIP, '电子发票.ofd'],
        [ZIP, '明细.xlsx'],
        [OLE2, '旧表.xls'],
        [Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 'scan.JPG'],
      ] as const)
        assert.equal(
          (await reviewer.post(`/api/task/${review.id}/attachment/create`).attach('file', bytes, name))
            .status,
          200,
          name,
        );
    });

    it('should refuse a file over ATTACHMENT_MAX_BYTES with 413 and a disallowed or disguised type with 415', async () => {
      const { review } = await toReview(t);
      const reviewer = await t.as(REVIEWER);
      const url = `/api/task/${review.id}/attachment/create`;
      const big = Buffer.concat([PDF, Buffer.alloc(LIMIT, 0x20)]);
      assertError(
        await reviewer.post(url).attach('file', big, 'big.pdf'),
        413,
        'PAYLOAD_TOO_LARGE',
        'body.file',
      );
      // far over the limit: refused from Content-Length, before the body is read
      const huge = Buffer.concat([PDF, Buffer.alloc(3 * 1024 * 1024, 0x20)]);
      assertError(
        await reviewer.post(url).attach('file', huge, 'huge.pdf'),
        413,
        'PAYLOAD_TOO_LARGE',
        'body.file',
      );
      assertError(
        await reviewer.post(url).attach('file', Buffer.from('MZ\x90\x00'), 'tool.exe'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'body.file',
      );
      assertError(
        await reviewer
          .post(url)
          .attach('file', Buffer.from('<html><script>alert(1)</script>'), 'invoice.pdf'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'body.file',
      );
      assertError(
        await reviewer.post(url).attach('file', PNG, 'photo.pdf'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'body.file',
      );
      assertError(await reviewer.post(url).attach('file', PDF, 'noextension'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      assertError(
        await reviewer.post(url).send({ file: 'x' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'headers.Content-Type',
      );
      assertError(
        await reviewer.post(url).field('description', 'no file'),
        400,
        'INVALID_REQUEST',
        'body.file',
      );
      assertError(
        await reviewer.post(url).attach('other', PDF, 'a.pdf'),
        400,
        'INVALID_REQUEST',
        'body.other',
      );
      assertError(
        await reviewer.post(url).attach('file', Buffer.alloc(0), 'empty.pdf'),
        400,
        'INVALID_REQUEST',
        'body.file',
      );
      assert.deepEqual((await reviewer.get(`/api/task/${review.id}/attachment`)).body, []);
    });

    it('should answer 404 outside the task’s scope and for an attachment of another task', async () => {
      const a = await toReview(t);
      const b = await toReview(t);
      const reviewer = await t.as(REVIEWER);
      const up = await reviewer
        .post(`/api/task/${a.review.id}/attachment/create`)
        .attach('file', PDF, 'a.pdf');
      assert.equal(up.status, 200);
      const outsider = await t.as(OTHER_COUNTY_REVIEWER);
      assertError(await outsider.get(`/api/task/${a.review.id}/attachment`), 404, 'NOT_FOUND');
      assertError(
        await outsider.get(`/api/task/${a.review.id}/attachment/${up.body.id}/data`),
        404,
        'NOT_FOUND',
      );
      assertError(
        await outsider.post(`/api/task/${a.review.id}/attachment/create`).attach('file', PDF, 'x.pdf'),
        404,
        'NOT_FOUND',
      );
      assertError(
        await reviewer.get(`/api/task/${b.review.id}/attachment/${up.body.id}/data`),
        404,
        'NOT_FOUND',
      );
      assertError(await reviewer.get(`/api/task/${b.review.id}/attachment/${up.body.id}`), 404, 'NOT_FOUND');
    });
  });
