/**
 * What a browser shows for an address without this server's token: not a bare "Unauthorized", but what to do, in
 * English and Chinese. No script; its one style sheet is allowed by its hash; nothing from the request is echoed.
 */
import { createHash } from 'node:crypto';

const texts = {
  missing: {
    title: ['This address has no access token', '此地址缺少访问令牌'],
    body: [
      'Open the address `titlewave serve` printed when it started: it looks like http://127.0.0.1:PORT/t/…/ and carries the token.',
      '请打开 `titlewave serve` 启动时打印的地址：它形如 http://127.0.0.1:端口/t/…/，其中带有访问令牌。',
    ],
  },
  wrong: {
    title: ['This Titlewave address is out of date', '此 Titlewave 地址已失效'],
    body: [
      'Titlewave was restarted with a new address: open the address `titlewave serve` printed.',
      'Titlewave 已使用新地址重新启动：请打开 `titlewave serve` 打印的地址。',
    ],
  },
} as const;

const style =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh}' +
  'main{max-width:36rem;padding:2rem}h1{font-size:1.25rem;margin:0 0 .5rem}p{margin:0 0 1.5rem}code{font-size:.95em}';

/** The CSP of the refusal page: nothing but its own style sheet. */
export const refusalPolicy = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** `command` in code type, the rest as it is (the texts above hold no markup). */
function withCode(text: string): string {
  return text.replace(/`([^`]+)`/g, '<code>$1</code>');
}

export function refusalPage(kind: 'missing' | 'wrong'): string {
  const { title, body } = texts[kind];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title[0]}</title>
<style>${style}</style>
</head>
<body>
<main>
<h1>${title[0]}</h1>
<p>${withCode(body[0])}</p>
<h1 lang="zh-CN">${title[1]}</h1>
<p lang="zh-CN">${withCode(body[1])}</p>
</main>
</body>
</html>
`;
}
