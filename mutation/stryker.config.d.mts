/** The module groups of `npm run test:mutation`, by name: the files each one mutates. */
export declare const groups: Record<string, string[]>;
/** The tests each module group is checked against. */
export declare const groupTests: Record<string, string[]>;
declare const config: Record<string, unknown>;
export default config;
