/** What the sitemap reader says about a file it could not read (src/titles/sitemap.ts), in the user's language. */
import type { Language } from '../../src/contract.js';

/**
 * The engine explains sitemap problems in English (src/titles/sitemap.ts); the known ones in Chinese too. A URL or
 * number in the message is kept as it is.
 */
export function sitemapProblemText(message: string, language: Language): string {
  if (language !== 'zh-CN') return message;
  const patterns: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^could not be fetched: HTTP (\d+)$/, (m) => `无法获取：HTTP ${m[1]}`],
    [/^could not be fetched: (.*)$/, (m) => `无法获取：${m[1]}`],
    [/^not a sitemap \(its root element is (<[^>]*>)\)$/, (m) => `不是站点地图（根元素是 ${m[1]}）`],
    [/^not a sitemap/, () => '不是站点地图'],
    [/^it has a DOCTYPE/, () => '含有 DOCTYPE（站点地图不会有；XML 炸弹正是借此声明实体），已拒绝'],
    [/^not well-formed XML \((.*)\)$/, (m) => `XML 格式错误（${m[1]}）`],
    [/^not valid gzip/, () => '不是有效的 gzip'],
    [/^it is empty$/, () => '文件为空'],
    [/^over (\d+) MiB once inflated \(the sitemap cap\); the rest of it is skipped$/, (m) => `解压后超过 ${m[1]} MiB（单个站点地图上限），其余部分已跳过`],
    [/^over (\d+) MiB/, (m) => `超过 ${m[1]} MiB（单个站点地图上限）`],
    [/^the sitemaps came to over (\d+) GiB/, (m) => `所有站点地图解压后超过 ${m[1]} GiB（总上限），已停止读取`],
    [/^stopped at ([\d,]+) URLs/, (m) => `读到 ${m[1]} 个网址时停止（网址总数上限）`],
    [/^lists ([\d,]+) sitemaps; only the first ([\d,]+) are read/, (m) => `列出了 ${m[1]} 个站点地图，只读取前 ${m[2]} 个（每个索引的上限）`],
    [/^nested (\d+) levels deep \(the cap is (\d+)\); skipped$/, (m) => `嵌套 ${m[1]} 层（上限 ${m[2]} 层），已跳过`],
    [/^only http and https sitemaps are fetched$/, () => '只抓取 http 和 https 的站点地图'],
    [/^not a URL$/, () => '不是网址'],
    [/^a <loc> over (\d+) characters was skipped$/, (m) => `跳过了一个超过 ${m[1]} 个字符的 <loc>`],
  ];
  for (const [pattern, text] of patterns) {
    const match = pattern.exec(message);
    if (match) return text(match);
  }
  return message;
}
