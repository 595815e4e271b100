/** Makes request IDs that are unique per session: a random prefix plus a counter. */
export function createRequestIdSource(side: string): () => string {
  const prefix = `${side}-${randomToken()}`;
  let counter = 0;
  return () => `${prefix}-${(counter++).toString(36)}`;
}

function randomToken(): string {
  const bytes = new Uint8Array(6);
  globalThis.crypto.getRandomValues(bytes);
  let token = "";
  for (const byte of bytes) token += byte.toString(16).padStart(2, "0");
  return token;
}
