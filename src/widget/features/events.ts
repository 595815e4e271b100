// Widget-side functions of the MSC2762 family. Each takes the WidgetClient as its first argument,
// so a widget bundle carries only the families it uses.
export {};
