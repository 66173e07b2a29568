// Electronegativity checks that report every use of an API, whatever the arguments, so that a person reviews it.
// Each one below was reviewed; the build writes them as an `eng-disable` note at the top of dist/electron/main.js
// (electronegativity's own mechanism), and scripts/electronegativity.mjs fails if main.js has more uses than were
// reviewed, so the note can never silently cover a new one.
export const reviewedChecks = [
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    // The one shell.openExternal call (electron/app.ts) gets only URLs that src/desktop/external.ts checked (http or
    // https, a host, no credentials) and rate-limited (5 in 10 s). Tested in tests/electron/host-commands.test.ts.
    pattern: /\.openExternal\s*\(/g,
    uses: 1,
  },
  {
    id: 'PRELOAD_JS_CHECK',
    // The one preload (electron/preload.ts) runs sandboxed and context-isolated and exposes only the IPC contract:
    // invoke for known commands, on for known events (no IpcRendererEvent), pathForFile. Tested on the built file in
    // tests/electron/preload.test.ts.
    pattern: /\bpreload\s*:/g,
    uses: 1,
  },
];

/** The first line of dist/electron/main.js. */
export const reviewedBanner = `/* eng-disable ${reviewedChecks.map((check) => check.id).join(' ')} */`;
