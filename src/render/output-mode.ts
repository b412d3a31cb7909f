/** How results are shown: live view, `host | line` stream, grouped, one json document, or jsonl events. */
export type OutputMode = 'auto' | 'stream' | 'group' | 'json' | 'jsonl';

/** Every output mode, for option parsing. Kept apart from the renderers so `--help` loads none. */
export const OUTPUT_MODES: readonly OutputMode[] = ['auto', 'stream', 'group', 'json', 'jsonl'];
