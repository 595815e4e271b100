// Widget-side functions of the other matrix-widget-api families, tree-shakable like events.ts.
export {};
