/**
 * The report's stylesheet, inlined into the page (its sha256 goes into the CSP, so no other
 * style can apply). System fonts only: nothing is fetched.
 */
export const CLIENT_STYLE = String.raw`
:root { --ok:#2e7d32; --unchanged:#00796b; --failed:#d84315; --bad:#c62828; --skipped:#757575; --interrupted:#f9a825; --lost:#6a1b9a;
  --fg:#1d2125; --muted:#5f6b76; --line:#d9dee3; --bg:#ffffff; --soft:#f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 20px; margin: 0 0 6px; }
h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.command { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 6px 10px; white-space: pre-wrap; word-break: break-all; margin: 0 0 8px; }
.steps-list { margin: 0 0 8px; padding-left: 22px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 10px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.chip { border: 1px solid var(--line); background: var(--bg); border-radius: 14px; padding: 2px 10px; cursor: pointer; font: inherit; color: inherit; }
.chip[aria-pressed="true"] { background: var(--fg); color: #fff; border-color: var(--fg); }
.chip .n { font-weight: 600; margin-left: 4px; }
.badge { display: inline-block; border-radius: 3px; padding: 0 6px; color: #fff; font-size: 12px; font-weight: 600; background: var(--bad); }
.st-ok { background: var(--ok); } .st-unchanged { background: var(--unchanged); } .st-failed { background: var(--failed); }
.st-skipped, .st-unknown { background: var(--skipped); } .st-interrupted { background: var(--interrupted); color: #222; } .st-lost { background: var(--lost); }
.controls { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; }
.controls input[type=search] { font: inherit; padding: 3px 8px; border: 1px solid var(--line); border-radius: 4px; min-width: 260px; }
.shown { color: var(--muted); }
.table-wrap { max-height: 560px; overflow: auto; border: 1px solid var(--line); border-radius: 4px; margin-top: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { position: sticky; top: 0; background: var(--soft); z-index: 1; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.err { max-width: 520px; word-break: break-word; }
td.err .code { font-weight: 600; margin-right: 6px; }
td.step { white-space: nowrap; font-size: 12px; }
.link { background: none; border: 0; padding: 0; color: #1565c0; cursor: pointer; font: inherit; text-decoration: underline; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: var(--muted); margin: 4px 0 6px; }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
.tl-scroll { position: relative; overflow-y: auto; border: 1px solid var(--line); border-radius: 4px; }
.tl-scroll canvas { position: sticky; top: 0; display: block; }
.tooltip { position: fixed; pointer-events: none; background: #222; color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; white-space: pre; z-index: 10; }
details.group { border: 1px solid var(--line); border-radius: 4px; margin: 6px 0; }
details.group > summary { cursor: pointer; padding: 4px 8px; background: var(--soft); }
details.group .hosts { font-weight: 600; word-break: break-all; }
details.group .body { padding: 6px 10px; }
pre { margin: 4px 0; white-space: pre-wrap; word-break: break-all; }
pre.diff span { display: block; }
pre.diff .add { background: #e6f4ea; color: #14532d; } pre.diff .del { background: #fdecea; color: #7f1d1d; }
pre.diff .skip { color: var(--muted); font-style: italic; }
.muted { color: var(--muted); }
`;
