import assert from 'node:assert/strict';
import { HENAN_PREFECTURES, HENAN_PROVINCE } from '../../../processes/org/henan.js';

/** County-level units per prefecture-level unit, as counted in domain.md §5.1 (济源市 has none). */
const COUNTY_COUNTS: Record<string, number> = {
  '410100': 12,
  '410200': 9,
  '410300': 14,
  '410400': 10,
  '410500': 9,
  '410600': 5,
  '410700': 12,
  '410800': 10,
  '410900': 6,
  '411000': 6,
  '411100': 5,
  '411200': 6,
  '411300': 13,
  '411400': 9,
  '411500': 10,
  '411600': 10,
  '411700': 10,
  '419001': 0,
};

describe('org/henan', function () {
  it('should list the province and all 18 prefecture-level units in code order', function () {
    // given
    const codes = HENAN_PREFECTURES.map((p) => p.code);

    // then
    assert.deepEqual(HENAN_PROVINCE, { code: '410000', name: '河南省' });
    assert.deepEqual(codes, Object.keys(COUNTY_COUNTS));
    assert.deepEqual([...codes].sort(), codes);
  });

  it('should list as many county-level units per prefecture as domain.md counts (156 in all)', function () {
    // given
    const counts = Object.fromEntries(HENAN_PREFECTURES.map((p) => [p.code, p.counties.length]));

    // then
    assert.deepEqual(counts, COUNTY_COUNTS);
    assert.equal(
      HENAN_PREFECTURES.reduce((n, p) => n + p.counties.length, 0),
      156,
    );
  });

  it('should give every county-level unit a unique code under its prefecture', function () {
    // given
    const all = HENAN_PREFECTURES.flatMap((p) => p.counties.map((c) => ({ parent: p.code, ...c })));

    // then
    assert.equal(new Set(all.map((c) => c.code)).size, all.length);
    for (const c of all) {
      assert.match(c.code, /^\d{6}$/);
      assert.equal(c.code.slice(0, 4), c.parent.slice(0, 4), `${c.code} ${c.name} under ${c.parent}`);
      assert.ok(c.name.length > 0);
    }
  });

  it('should mark exactly the ten 省直管县 of domain.md §4.2', function () {
    // when
    const marked = HENAN_PREFECTURES.flatMap((p) => p.counties)
      .filter((c) => c.directlyAdministered)
      .map((c) => `${c.code} ${c.name}`);

    // then
    assert.deepEqual(marked, [
      '410181 巩义市',
      '410225 兰考县',
      '410482 汝州市',
      '410526 滑县',
      '410783 长垣市',
      '411381 邓州市',
      '411481 永城市',
      '411525 固始县',
      '411628 鹿邑县',
      '411729 新蔡县',
    ]);
  });
});
