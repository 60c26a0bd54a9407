import { pino, type Logger } from 'pino';

/**
 * Creates the server's logger. It writes JSON lines to stderr (file descriptor 2), because
 * stdout carries the MCP protocol and any other byte there breaks the client.
 */
export function createMcpLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, process: 'flow-mcp' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['apiKey', '*.apiKey', 'KAIREONAI_API_KEY'], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
