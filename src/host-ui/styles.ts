/**
 * The dialogs' style sheet. Everything an app may want to change is a CSS custom property on the
 * element (`--mwk-*`), so a host themes the dialogs from its own CSS without reaching into the shadow
 * root. Light is the default; dark applies when the user prefers it, or always with `theme="dark"`;
 * `theme="light"` forces light.
 *
 * @module
 */

/** Light theme colours. Every text/background pair passes WCAG AA contrast (checked with axe). */
const LIGHT = `
  --mwk-bg: #ffffff;
  --mwk-fg: #1b1d22;
  --mwk-muted: #4b515c;
  --mwk-border: #c4c8d0;
  --mwk-surface: #f3f4f7;
  --mwk-accent: #0a5bb0;
  --mwk-accent-fg: #ffffff;
  --mwk-focus: #0a5bb0;
  --mwk-risk-low: #1f6b33;
  --mwk-risk-sensitive: #8a4b00;
  --mwk-risk-dangerous: #b0001e;
  --mwk-warning-bg: #fff4d6;
  --mwk-warning-fg: #5c3a00;
  --mwk-backdrop: rgb(15 17 22 / 55%);
`;

/** Dark theme colours. */
const DARK = `
  --mwk-bg: #1c1f26;
  --mwk-fg: #eceff4;
  --mwk-muted: #b7bdc8;
  --mwk-border: #4a505c;
  --mwk-surface: #262a33;
  --mwk-accent: #7cb8ff;
  --mwk-accent-fg: #0b1220;
  --mwk-focus: #7cb8ff;
  --mwk-risk-low: #8fd6a0;
  --mwk-risk-sensitive: #ffc670;
  --mwk-risk-dangerous: #ff9b9b;
  --mwk-warning-bg: #3d2f0c;
  --mwk-warning-fg: #ffe2a3;
  --mwk-backdrop: rgb(0 0 0 / 70%);
`;

/** The style sheet of every host-ui element's shadow root. */
export const HOST_UI_CSS = `
:host { ${LIGHT} color-scheme: light; }
:host([theme="dark"]) { ${DARK} color-scheme: dark; }
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"])) { ${DARK} color-scheme: dark; }
}
dialog {
  box-sizing: border-box;
  width: min(36rem, calc(100vw - 2rem));
  max-height: calc(100vh - 2rem);
  overflow: auto;
  padding: 1.25rem 1.5rem;
  border: 1px solid var(--mwk-border);
  border-radius: var(--mwk-radius, 12px);
  background: var(--mwk-bg);
  color: var(--mwk-fg);
  font: var(--mwk-font, 15px/1.45 system-ui, sans-serif);
  box-shadow: 0 12px 40px rgb(0 0 0 / 30%);
}
dialog::backdrop { background: var(--mwk-backdrop); }
h2 { margin: 0 0 0.25rem; font-size: 1.2em; overflow-wrap: anywhere; }
p { margin: 0.25rem 0 0.75rem; }
.muted { color: var(--mwk-muted); }
bdi, .isolate { unicode-bidi: isolate; }
code { font-family: var(--mwk-mono, ui-monospace, monospace); font-size: 0.85em; overflow-wrap: anywhere; }
ul { list-style: none; margin: 0.5rem 0; padding: 0; }
li { border-top: 1px solid var(--mwk-border); padding: 0.6rem 0; }
li:first-child { border-top: none; }
label.capability { display: grid; grid-template-columns: auto 1fr; gap: 0 0.6rem; align-items: start; cursor: pointer; }
label.capability input { margin-top: 0.25rem; }
.title { font-weight: 600; overflow-wrap: anywhere; }
.detail { display: block; color: var(--mwk-muted); font-size: 0.92em; }
.risk {
  display: inline-block; margin-inline-start: 0.4rem; padding: 0 0.4rem; border: 1px solid currentColor;
  border-radius: 999px; font-size: 0.78em; font-weight: 600; vertical-align: 0.1em;
}
.risk-low { color: var(--mwk-risk-low); }
.risk-sensitive { color: var(--mwk-risk-sensitive); }
.risk-dangerous { color: var(--mwk-risk-dangerous); }
.remember { display: flex; gap: 0.5rem; align-items: center; margin: 0.75rem 0; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; justify-content: flex-end; margin-top: 1rem; }
button {
  font: inherit; padding: 0.45rem 0.9rem; border-radius: 8px; cursor: pointer;
  border: 1px solid var(--mwk-border); background: var(--mwk-surface); color: var(--mwk-fg);
}
button.primary { background: var(--mwk-accent); border-color: var(--mwk-accent); color: var(--mwk-accent-fg); }
button:focus-visible, input:focus-visible { outline: 3px solid var(--mwk-focus); outline-offset: 2px; }
.user { display: grid; gap: 0.15rem; padding: 0.6rem 0.75rem; margin: 0.5rem 0; border: 1px solid var(--mwk-border); border-radius: 8px; background: var(--mwk-surface); }
.user .name { font-weight: 600; display: block; max-width: 100%; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.user code { display: block; }
.warning { display: block; padding: 0.3rem 0.5rem; border-radius: 6px; background: var(--mwk-warning-bg); color: var(--mwk-warning-fg); font-size: 0.92em; overflow-wrap: anywhere; }
.target { display: block; margin: 0.5rem 0; padding: 0.5rem 0.75rem; border-radius: 8px; background: var(--mwk-surface); overflow-wrap: anywhere; }
`;
