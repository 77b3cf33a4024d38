/**
 * PRC public holidays and 调休 working days for 2026.
 *
 * Source: 国务院办公厅关于2026年部分节假日安排的通知, dated 2025-11-04, published by 新华社
 * (新华社北京11月4日电, e.g. https://politics.gmw.cn/2025-11/04/content_38391083.htm):
 *   一、元旦:1月1日(周四)至3日(周六)放假调休,共3天。1月4日(周日)上班。
 *   二、春节:2月15日(周日)至23日(周一)放假调休,共9天。2月14日(周六)、2月28日(周六)上班。
 *   三、清明节:4月4日(周六)至6日(周一)放假,共3天。
 *   四、劳动节:5月1日(周五)至5日(周二)放假调休,共5天。5月9日(周六)上班。
 *   五、端午节:6月19日(周五)至21日(周日)放假,共3天。
 *   六、中秋节:9月25日(周五)至27日(周日)放假,共3天。
 *   七、国庆节:10月1日(周四)至7日(周三)放假调休,共7天。9月20日(周日)、10月10日(周六)上班。
 *
 * Every day of every span is listed, weekend days included, so each entry can be ticked off
 * against the notice. 33 holiday dates (19 of them Monday–Friday) and 6 weekend workdays:
 * 2026 has 261 − 19 + 6 = 248 working days.
 */
import type { HolidaySchedule } from '../working-calendar.js';

/** The 2026 schedule; one file per year so a new notice is one new file (see china-calendar.ts). */
export const CN_2026: HolidaySchedule = {
  year: 2026,
  source: '国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, 新华社)',
  holidays: [
    { date: '2026-01-01', festival: '元旦' }, // Thu
    { date: '2026-01-02', festival: '元旦' }, // Fri
    { date: '2026-01-03', festival: '元旦' }, // Sat

    { date: '2026-02-15', festival: '春节' }, // Sun
    { date: '2026-02-16', festival: '春节' }, // Mon
    { date: '2026-02-17', festival: '春节' }, // Tue, 正月初一
    { date: '2026-02-18', festival: '春节' }, // Wed
    { date: '2026-02-19', festival: '春节' }, // Thu
    { date: '2026-02-20', festival: '春节' }, // Fri
    { date: '2026-02-21', festival: '春节' }, // Sat
    { date: '2026-02-22', festival: '春节' }, // Sun
    { date: '2026-02-23', festival: '春节' }, // Mon

    { date: '2026-04-04', festival: '清明节' }, // Sat
    { date: '2026-04-05', festival: '清明节' }, // Sun
    { date: '2026-04-06', festival: '清明节' }, // Mon

    { date: '2026-05-01', festival: '劳动节' }, // Fri
    { date: '2026-05-02', festival: '劳动节' }, // Sat
    { date: '2026-05-03', festival: '劳动节' }, // Sun
    { date: '2026-05-04', festival: '劳动节' }, // Mon
    { date: '2026-05-05', festival: '劳动节' }, // Tue

    { date: '2026-06-19', festival: '端午节' }, // Fri
    { date: '2026-06-20', festival: '端午节' }, // Sat
    { date: '2026-06-21', festival: '端午节' }, // Sun

    { date: '2026-09-25', festival: '中秋节' }, // Fri
    { date: '2026-09-26', festival: '中秋节' }, // Sat
    { date: '2026-09-27', festival: '中秋节' }, // Sun

    { date: '2026-10-01', festival: '国庆节' }, // Thu
    { date: '2026-10-02', festival: '国庆节' }, // Fri
    { date: '2026-10-03', festival: '国庆节' }, // Sat
    { date: '2026-10-04', festival: '国庆节' }, // Sun
    { date: '2026-10-05', festival: '国庆节' }, // Mon
    { date: '2026-10-06', festival: '国庆节' }, // Tue
    { date: '2026-10-07', festival: '国庆节' }, // Wed
  ],
  workdays: [
    { date: '2026-01-04', festival: '元旦' }, // Sun
    { date: '2026-02-14', festival: '春节' }, // Sat
    { date: '2026-02-28', festival: '春节' }, // Sat
    { date: '2026-05-09', festival: '劳动节' }, // Sat
    { date: '2026-09-20', festival: '国庆节' }, // Sun
    { date: '2026-10-10', festival: '国庆节' }, // Sat
  ],
};
