/**
 * Running counts of a load, for progress reports while it runs. Rows are counted by line ends
 * as bytes stream past, an estimate that quoted newlines inflate. Each object's exact count
 * replaces the estimate when the object is done.
 */
export interface LoadProgress {
  rowsRead: number;
  bytesRead: number;
}

export function createLoadProgress(): LoadProgress {
  return { rowsRead: 0, bytesRead: 0 };
}

/** Passes the bytes through unchanged while adding their size and line ends to `progress`. */
export async function* countProgress(bytes: AsyncIterable<Buffer>, progress: LoadProgress): AsyncGenerator<Buffer> {
  for await (const chunk of bytes) {
    progress.bytesRead += chunk.length;
    for (let index = chunk.indexOf(0x0a); index >= 0; index = chunk.indexOf(0x0a, index + 1)) progress.rowsRead += 1;
    yield chunk;
  }
}
