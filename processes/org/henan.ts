/**
 * Henan's administrative divisions as reference data: the province, its 18 prefecture-level units and their
 * 156 county-level units, with the 2024 MCA codes and names exactly as listed in the domain research (domain.md §5.1)
 * (source [S41]). Data only; `seed-org-directory.ts` turns it into org rows.
 *
 * 省直管县 (§4.2): Henan put ten counties under direct provincial finance administration from 1 Jan 2014. Five
 * are named by a public listing [S11] (巩义, 兰考, 汝州, 滑县, 长垣); the other five (邓州, 永城, 固始, 鹿邑, 新蔡)
 * are "commonly listed" from memory and not yet verified, nor is the status after 2014. They are marked
 * `directlyAdministered` here so routing via `finance_parent` works; review the list before production.
 */

/** One administrative division: its 6-digit MCA code and its official name. */
export interface AdministrativeDivision {
  readonly code: string;
  readonly name: string;
}

/** A county-level unit (市辖区, 县, 县级市). */
export interface CountyLevelDivision extends AdministrativeDivision {
  /** 省直管县: finance goes straight to the province although the code sits under the city (§4.2). */
  readonly directlyAdministered?: true;
}

/** A prefecture-level unit (省辖市) with its county-level units. */
export interface PrefectureLevelDivision extends AdministrativeDivision {
  readonly counties: readonly CountyLevelDivision[];
  /**
   * True for 济源市 (419001): an MCA 省直辖县级行政单位 that Henan counts as its 18th 省辖市; it has no
   * county-level units of its own and reports to the province like a city.
   */
  readonly provinceAdministeredCountyLevel?: true;
}

/** The year of the code list; seeded regions are valid from the start of it (earlier history is not recorded). */
export const HENAN_CODES_VINTAGE = 2024;

/** 河南省. */
export const HENAN_PROVINCE: AdministrativeDivision = { code: '410000', name: '河南省' };

/** The 18 prefecture-level units in code order, each with its county-level units (§5.1). */
export const HENAN_PREFECTURES: readonly PrefectureLevelDivision[] = [
  {
    code: '410100',
    name: '郑州市',
    counties: [
      { code: '410102', name: '中原区' },
      { code: '410103', name: '二七区' },
      { code: '410104', name: '管城回族区' },
      { code: '410105', name: '金水区' },
      { code: '410106', name: '上街区' },
      { code: '410108', name: '惠济区' },
      { code: '410122', name: '中牟县' },
      { code: '410181', name: '巩义市', directlyAdministered: true },
      { code: '410182', name: '荥阳市' },
      { code: '410183', name: '新密市' },
      { code: '410184', name: '新郑市' },
      { code: '410185', name: '登封市' },
    ],
  },
  {
    code: '410200',
    name: '开封市',
    counties: [
      { code: '410202', name: '龙亭区' },
      { code: '410203', name: '顺河回族区' },
      { code: '410204', name: '鼓楼区' },
      { code: '410205', name: '禹王台区' },
      { code: '410212', name: '祥符区' },
      { code: '410221', name: '杞县' },
      { code: '410222', name: '通许县' },
      { code: '410223', name: '尉氏县' },
      { code: '410225', name: '兰考县', directlyAdministered: true },
    ],
  },
  {
    code: '410300',
    name: '洛阳市',
    counties: [
      { code: '410302', name: '老城区' },
      { code: '410303', name: '西工区' },
      { code: '410304', name: '瀍河回族区' },
      { code: '410305', name: '涧西区' },
      { code: '410307', name: '偃师区' },
      { code: '410308', name: '孟津区' },
      { code: '410311', name: '洛龙区' },
      { code: '410323', name: '新安县' },
      { code: '410324', name: '栾川县' },
      { code: '410325', name: '嵩县' },
      { code: '410326', name: '汝阳县' },
      { code: '410327', name: '宜阳县' },
      { code: '410328', name: '洛宁县' },
      { code: '410329', name: '伊川县' },
    ],
  },
  {
    code: '410400',
    name: '平顶山市',
    counties: [
      { code: '410402', name: '新华区' },
      { code: '410403', name: '卫东区' },
      { code: '410404', name: '石龙区' },
      { code: '410411', name: '湛河区' },
      { code: '410421', name: '宝丰县' },
      { code: '410422', name: '叶县' },
      { code: '410423', name: '鲁山县' },
      { code: '410425', name: '郏县' },
      { code: '410481', name: '舞钢市' },
      { code: '410482', name: '汝州市', directlyAdministered: true },
    ],
  },
  {
    code: '410500',
    name: '安阳市',
    counties: [
      { code: '410502', name: '文峰区' },
      { code: '410503', name: '北关区' },
      { code: '410505', name: '殷都区' },
      { code: '410506', name: '龙安区' },
      { code: '410522', name: '安阳县' },
      { code: '410523', name: '汤阴县' },
      { code: '410526', name: '滑县', directlyAdministered: true },
      { code: '410527', name: '内黄县' },
      { code: '410581', name: '林州市' },
    ],
  },
  {
    code: '410600',
    name: '鹤壁市',
    counties: [
      { code: '410602', name: '鹤山区' },
      { code: '410603', name: '山城区' },
      { code: '410611', name: '淇滨区' },
      { code: '410621', name: '浚县' },
      { code: '410622', name: '淇县' },
    ],
  },
  {
    code: '410700',
    name: '新乡市',
    counties: [
      { code: '410702', name: '红旗区' },
      { code: '410703', name: '卫滨区' },
      { code: '410704', name: '凤泉区' },
      { code: '410711', name: '牧野区' },
      { code: '410721', name: '新乡县' },
      { code: '410724', name: '获嘉县' },
      { code: '410725', name: '原阳县' },
      { code: '410726', name: '延津县' },
      { code: '410727', name: '封丘县' },
      { code: '410781', name: '卫辉市' },
      { code: '410782', name: '辉县市' },
      { code: '410783', name: '长垣市', directlyAdministered: true },
    ],
  },
  {
    code: '410800',
    name: '焦作市',
    counties: [
      { code: '410802', name: '解放区' },
      { code: '410803', name: '中站区' },
      { code: '410804', name: '马村区' },
      { code: '410811', name: '山阳区' },
      { code: '410821', name: '修武县' },
      { code: '410822', name: '博爱县' },
      { code: '410823', name: '武陟县' },
      { code: '410825', name: '温县' },
      { code: '410882', name: '沁阳市' },
      { code: '410883', name: '孟州市' },
    ],
  },
  {
    code: '410900',
    name: '濮阳市',
    counties: [
      { code: '410902', name: '华龙区' },
      { code: '410922', name: '清丰县' },
      { code: '410923', name: '南乐县' },
      { code: '410926', name: '范县' },
      { code: '410927', name: '台前县' },
      { code: '410928', name: '濮阳县' },
    ],
  },
  {
    code: '411000',
    name: '许昌市',
    counties: [
      { code: '411002', name: '魏都区' },
      { code: '411003', name: '建安区' },
      { code: '411024', name: '鄢陵县' },
      { code: '411025', name: '襄城县' },
      { code: '411081', name: '禹州市' },
      { code: '411082', name: '长葛市' },
    ],
  },
  {
    code: '411100',
    name: '漯河市',
    counties: [
      { code: '411102', name: '源汇区' },
      { code: '411103', name: '郾城区' },
      { code: '411104', name: '召陵区' },
      { code: '411121', name: '舞阳县' },
      { code: '411122', name: '临颍县' },
    ],
  },
  {
    code: '411200',
    name: '三门峡市',
    counties: [
      { code: '411202', name: '湖滨区' },
      { code: '411203', name: '陕州区' },
      { code: '411221', name: '渑池县' },
      { code: '411224', name: '卢氏县' },
      { code: '411281', name: '义马市' },
      { code: '411282', name: '灵宝市' },
    ],
  },
  {
    code: '411300',
    name: '南阳市',
    counties: [
      { code: '411302', name: '宛城区' },
      { code: '411303', name: '卧龙区' },
      { code: '411321', name: '南召县' },
      { code: '411322', name: '方城县' },
      { code: '411323', name: '西峡县' },
      { code: '411324', name: '镇平县' },
      { code: '411325', name: '内乡县' },
      { code: '411326', name: '淅川县' },
      { code: '411327', name: '社旗县' },
      { code: '411328', name: '唐河县' },
      { code: '411329', name: '新野县' },
      { code: '411330', name: '桐柏县' },
      { code: '411381', name: '邓州市', directlyAdministered: true /* (memory — verify) */ },
    ],
  },
  {
    code: '411400',
    name: '商丘市',
    counties: [
      { code: '411402', name: '梁园区' },
      { code: '411403', name: '睢阳区' },
      { code: '411421', name: '民权县' },
      { code: '411422', name: '睢县' },
      { code: '411423', name: '宁陵县' },
      { code: '411424', name: '柘城县' },
      { code: '411425', name: '虞城县' },
      { code: '411426', name: '夏邑县' },
      { code: '411481', name: '永城市', directlyAdministered: true /* (memory — verify) */ },
    ],
  },
  {
    code: '411500',
    name: '信阳市',
    counties: [
      { code: '411502', name: '浉河区' },
      { code: '411503', name: '平桥区' },
      { code: '411521', name: '罗山县' },
      { code: '411522', name: '光山县' },
      { code: '411523', name: '新县' },
      { code: '411524', name: '商城县' },
      { code: '411525', name: '固始县', directlyAdministered: true /* (memory — verify) */ },
      { code: '411526', name: '潢川县' },
      { code: '411527', name: '淮滨县' },
      { code: '411528', name: '息县' },
    ],
  },
  {
    code: '411600',
    name: '周口市',
    counties: [
      { code: '411602', name: '川汇区' },
      { code: '411603', name: '淮阳区' },
      { code: '411621', name: '扶沟县' },
      { code: '411622', name: '西华县' },
      { code: '411623', name: '商水县' },
      { code: '411624', name: '沈丘县' },
      { code: '411625', name: '郸城县' },
      { code: '411627', name: '太康县' },
      { code: '411628', name: '鹿邑县', directlyAdministered: true /* (memory — verify) */ },
      { code: '411681', name: '项城市' },
    ],
  },
  {
    code: '411700',
    name: '驻马店市',
    counties: [
      { code: '411702', name: '驿城区' },
      { code: '411721', name: '西平县' },
      { code: '411722', name: '上蔡县' },
      { code: '411723', name: '平舆县' },
      { code: '411724', name: '正阳县' },
      { code: '411725', name: '确山县' },
      { code: '411726', name: '泌阳县' },
      { code: '411727', name: '汝南县' },
      { code: '411728', name: '遂平县' },
      { code: '411729', name: '新蔡县', directlyAdministered: true /* (memory — verify) */ },
    ],
  },
  { code: '419001', name: '济源市', counties: [], provinceAdministeredCountyLevel: true },
];
