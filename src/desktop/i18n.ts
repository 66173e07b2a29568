/**
 * The shell's own words (menus, native dialogs, notifications) in English and Simplified Chinese, and the choice of
 * language from the OS. The renderer has its own dictionaries; these are only what the main process shows.
 */
import type { Language } from '../contract.js';

export const shellMessages = {
  en: {
    menuFile: '&File',
    open: 'Open…',
    exportCsv: 'Export CSV…',
    exportJson: 'Export JSON…',
    exportJsonl: 'Export JSONL…',
    exportXlsx: 'Export Excel…',
    start: 'Start',
    cancel: 'Cancel Run',
    close: 'Close Window',
    quit: 'Quit Titlewave',
    menuEdit: '&Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    pasteAndMatchStyle: 'Paste and Match Style',
    delete: 'Delete',
    selectAll: 'Select All',
    menuView: '&View',
    tabTitles: 'Titles',
    tabPrimes: 'Primes',
    tabThumbs: 'Thumbnails',
    reload: 'Reload',
    forceReload: 'Force Reload',
    toggleDevTools: 'Toggle Developer Tools',
    resetZoom: 'Actual Size',
    zoomIn: 'Zoom In',
    zoomOut: 'Zoom Out',
    toggleFullScreen: 'Toggle Full Screen',
    // The language menu names itself in both languages, so a user who switched by mistake can find the way back.
    menuLanguage: '&Language',
    menuWindow: '&Window',
    minimize: 'Minimize',
    zoom: 'Zoom',
    front: 'Bring All to Front',
    menuHelp: '&Help',
    about: 'About Titlewave',
    hide: 'Hide Titlewave',
    hideOthers: 'Hide Others',
    unhide: 'Show All',
    services: 'Services',
    openTitle: 'Open URL Lists',
    urlLists: 'URL lists (.txt, .csv)',
    openSitemapTitle: 'Open a Sitemap',
    sitemapFiles: 'Sitemaps (.xml, .xml.gz, robots.txt)',
    allFiles: 'All files',
    exportTitle: 'Export',
    chooseImagesTitle: 'Choose Images',
    chooseFoldersTitle: 'Choose Folders of Images',
    images: 'Images',
    chooseFolderTitle: 'Choose a Folder',
    chooseSaveFileTitle: 'Save As',
    notifyTitlesDone: 'Titles run finished',
    notifyTitlesBody: '{done} URLs in {duration}, {failed} failed.',
    notifyThumbsDone: 'Thumbnails finished',
    notifyThumbsBody: '{done} images in {duration}, {failed} failed.',
    notifyPrimesDone: 'Prime count finished',
    notifyPrimesBody: '{count} primes in {duration}.',
    notifyPrimesCheckDone: 'Primality check finished',
    notifyPrimesCheckBody: '{done} numbers checked in {duration}.',
    aboutCopyright: 'MIT licence',
  },
  'zh-CN': {
    menuFile: '文件(&F)',
    open: '打开…',
    exportCsv: '导出 CSV…',
    exportJson: '导出 JSON…',
    exportJsonl: '导出 JSONL…',
    exportXlsx: '导出 Excel…',
    start: '开始',
    cancel: '取消运行',
    close: '关闭窗口',
    quit: '退出 Titlewave',
    menuEdit: '编辑(&E)',
    undo: '撤销',
    redo: '重做',
    cut: '剪切',
    copy: '复制',
    paste: '粘贴',
    pasteAndMatchStyle: '粘贴并匹配样式',
    delete: '删除',
    selectAll: '全选',
    menuView: '视图(&V)',
    tabTitles: '标题',
    tabPrimes: '素数',
    tabThumbs: '缩略图',
    reload: '重新加载',
    forceReload: '强制重新加载',
    toggleDevTools: '切换开发者工具',
    resetZoom: '实际大小',
    zoomIn: '放大',
    zoomOut: '缩小',
    toggleFullScreen: '切换全屏',
    menuLanguage: '语言 Language(&L)',
    menuWindow: '窗口(&W)',
    minimize: '最小化',
    zoom: '缩放',
    front: '全部置于顶层',
    menuHelp: '帮助(&H)',
    about: '关于 Titlewave',
    hide: '隐藏 Titlewave',
    hideOthers: '隐藏其他',
    unhide: '全部显示',
    services: '服务',
    openTitle: '打开网址列表',
    urlLists: '网址列表 (.txt, .csv)',
    openSitemapTitle: '打开站点地图',
    sitemapFiles: '站点地图 (.xml, .xml.gz, robots.txt)',
    allFiles: '所有文件',
    exportTitle: '导出',
    chooseImagesTitle: '选择图片',
    chooseFoldersTitle: '选择图片文件夹',
    images: '图片',
    chooseFolderTitle: '选择文件夹',
    chooseSaveFileTitle: '另存为',
    notifyTitlesDone: '标题抓取已完成',
    notifyTitlesBody: '{done} 个网址，用时 {duration}，失败 {failed} 个。',
    notifyThumbsDone: '缩略图已完成',
    notifyThumbsBody: '{done} 张图片，用时 {duration}，失败 {failed} 张。',
    notifyPrimesDone: '素数计数已完成',
    notifyPrimesBody: '共 {count} 个素数，用时 {duration}。',
    notifyPrimesCheckDone: '素数判定已完成',
    notifyPrimesCheckBody: '已判定 {done} 个数，用时 {duration}。',
    aboutCopyright: 'MIT 许可证',
  },
} as const satisfies Record<Language, Record<string, string>>;

export type ShellMessageKey = keyof (typeof shellMessages)['en'];

// Both languages must have exactly the same keys: a missing translation is a compile error, not a blank menu item.
type SameKeys<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : never;
const sameKeys: SameKeys<(typeof shellMessages)['en'], (typeof shellMessages)['zh-CN']> = true;
void sameKeys;

export function shellText(language: Language, key: ShellMessageKey, params?: Record<string, string | number>): string {
  const template: string = shellMessages[language][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** The label of each language in its own language: the same in every menu. */
export const languageLabels: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };

/**
 * The UI language for the OS's preferred languages (BCP 47 tags, most preferred first, as
 * `app.getPreferredSystemLanguages()` gives them): the first English or Chinese one wins; English otherwise.
 */
export function languageFromSystem(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary === 'zh') return 'zh-CN';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

/** A duration for a notification: "42 s", "3 min 5 s", "1 h 2 min" (units read the same in both languages). */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
