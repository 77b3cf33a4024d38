import assert from 'node:assert/strict';

import {
  DEFAULT_MODEL_LIMITS,
  checkInputLimits,
  resolveLimits,
} from '../../../../engine/core/model/limits.js';

const OPEN = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">';
const CLOSE = '</bpmn:definitions>';

function messageOf(result: ReturnType<typeof checkInputLimits>): string | undefined {
  return result.ok
    ? undefined
    : result.problems.map((p) => `${p.elementId} ${p.elementType} ${p.rule}: ${p.message}`).join('\n');
}

describe('model/limits', function () {
  it('should default to 2 MiB, 20 000 elements and 200 levels', function () {
    // then
    assert.deepEqual(DEFAULT_MODEL_LIMITS, { maxBytes: 2_097_152, maxElements: 20_000, maxDepth: 200 });
    assert.deepEqual(resolveLimits({ maxBytes: 10 }), { maxBytes: 10, maxElements: 20_000, maxDepth: 200 });
  });

  it('should pass a small document and return its text', function () {
    // when
    const result = checkInputLimits(Buffer.from(`\uFEFF${OPEN}${CLOSE}`, 'utf8'));

    // then
    assert.deepEqual(result, { ok: true, text: `${OPEN}${CLOSE}` });
  });

  it('should reject input over the size limit, counting UTF-8 bytes of strings', function () {
    // when
    const result = checkInputLimits('审'.repeat(4), { maxBytes: 11 });

    // then
    assert.equal(
      messageOf(result),
      '- - input-limits: BPMN file is 12 bytes, more than the limit of 11 bytes',
    );
  });

  it('should reject invalid UTF-8 and unpaired surrogates', function () {
    // then
    assert.equal(
      messageOf(checkInputLimits(Buffer.from([0x3c, 0x61, 0xff, 0x3e]))),
      '- - input-limits: BPMN file is not valid UTF-8; save it with UTF-8 encoding',
    );
    assert.match(messageOf(checkInputLimits(`${OPEN}\ud800${CLOSE}`)) ?? '', /not valid Unicode/);
  });

  it('should reject DOCTYPE and ENTITY declarations in any case', function () {
    for (const declaration of ['<!DOCTYPE x>', '<!doctype x>', '<! ENTITY x "y">']) {
      // when
      const result = checkInputLimits(`<?xml version="1.0"?>${declaration}${OPEN}${CLOSE}`);

      // then
      assert.equal(messageOf(result), '- - input-limits: DOCTYPE and entity declarations are not allowed');
    }
  });

  it('should count elements, ignoring comments, CDATA, processing instructions and > in attributes', function () {
    // given
    const body = '<a x="1>2"/><!-- <b><b><b> --><![CDATA[<c><c>]]><?pi <d>?><e></e>';

    // then
    assert.equal(checkInputLimits(`${OPEN}${body}${CLOSE}`, { maxElements: 3 }).ok, true);
    assert.equal(
      messageOf(checkInputLimits(`${OPEN}${body}${CLOSE}`, { maxElements: 2 })),
      '- - input-limits: BPMN file has more than 2 XML elements, the limit',
    );
  });

  it('should measure nesting depth, not counting self-closing tags', function () {
    // given
    const nested = (depth: number) => `${'<a>'.repeat(depth)}<b/>${'</a>'.repeat(depth)}`;

    // then
    assert.equal(checkInputLimits(`${OPEN}${nested(9)}${CLOSE}`, { maxDepth: 10 }).ok, true);
    assert.equal(
      messageOf(checkInputLimits(`${OPEN}${nested(10)}${CLOSE}`, { maxDepth: 10 })),
      '- - input-limits: BPMN file nests XML elements more than 10 levels deep, the limit',
    );
  });

  it('should NOT let stray end tags buy extra depth', function () {
    // given
    const text = `${OPEN}${'</a>'.repeat(50)}${'<a>'.repeat(20)}`;

    // then
    assert.match(messageOf(checkInputLimits(text, { maxDepth: 10 })) ?? '', /more than 10 levels deep/);
  });

  it('should refuse 50 000-deep nesting by depth', function () {
    // given
    const text = `${OPEN}${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}${CLOSE}`;

    // when
    const result = checkInputLimits(text);

    // then
    assert.match(messageOf(result) ?? '', /more than 200 levels deep/);
  });
});
