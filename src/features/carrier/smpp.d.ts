/**
 * Minimal types for the `smpp` npm package (0.5.1, untyped), covering only what this feature uses.
 * The package is CommonJS (`module.exports` with everything on it), hence `export =`; import it as
 * `import smpp from 'smpp'`. Named ESM imports do not work: most exports are added in a loop that
 * Node's CommonJS export detection cannot see.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  namespace smpp {
    /**
     * One PDU. Mandatory parameters and TLVs are plain properties named as in the SMPP v3.4 tables
     * (`short_message`, `receipted_message_id`, …); unknown TLVs appear under their numeric tag.
     */
    class PDU {
      constructor(command: string, options?: Record<string, unknown>);
      command: string;
      command_length: number;
      command_id: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      isResponse(): boolean;
      /** The response PDU (same sequence_number); for an unknown command, a generic_nack. */
      response(options?: Record<string, unknown>): PDU;
      toBuffer(): Buffer;
      static fromBuffer(buffer: Buffer): PDU | false;
      static maxLength: number;
    }

    /**
     * A connection speaking SMPP over a socket. Emits `pdu` (and the command name) for every PDU read,
     * `error` for socket errors and for undecodable input (after which it reads nothing more), `close`.
     */
    class Session extends EventEmitter {
      constructor(options: { socket: Socket });
      socket: Socket;
      /** Writes a PDU, numbering requests; false (and nothing written) when the socket is not writable. */
      send(pdu: PDU, responseCallback?: (response: PDU) => void, sendCallback?: (sent: PDU) => void): boolean;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
    }

    interface Server extends NetServer {
      /** Sessions whose socket is still open. */
      sessions: Session[];
    }

    interface ParamDefinition {
      type: unknown;
      filter?: unknown;
    }

    interface CommandDefinition {
      id: number;
      command: string;
      params?: Record<string, ParamDefinition>;
    }

    interface TlvDefinition {
      id: number;
      tag: string;
      type: unknown;
      filter?: unknown;
    }

    /** A TLS server when both `key` and `cert` are given, else plain TCP. */
    function createServer(
      options: { key?: string | Buffer; cert?: string | Buffer },
      listener?: (session: Session) => void,
    ): Server;

    const commands: Record<string, CommandDefinition>;
    const tlvs: Record<string, TlvDefinition>;
    const errors: Record<string, number>;
  }

  export = smpp;
}
