// Reading request bodies over real HTTP (@hono/node-server): a body that came with its headers is taken from node's
// request buffer; bodies split across packets, chunked bodies, keep-alive sequences and bad bodies behind the fast
// path still end exactly as they do on the general path.
import { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { serveApi, type ApiServer } from "../../functions/api/local.js";
import { nodeBodyReader } from "../../functions/api/node-body.js";
import { memoryApp, messagesOf } from "./helpers/api-env.js";

/** Raw HTTP/1.1 exchanges on one keep-alive connection: write bytes, read whole responses (Content-Length framed). */
class RawConnection {
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, d]);
      this.#waiters.splice(0).forEach((w) => w());
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), hostname, () => resolve(new RawConnection(s)));
      s.once("error", reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next response: status and parsed JSON body. */
  async response(): Promise<{ status: number; body: Record<string, unknown> }> {
    for (;;) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end >= 0) {
        const head = this.#buffer.subarray(0, end).toString("latin1");
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? "0");
        if (this.#buffer.length >= end + 4 + length) {
          const body = this.#buffer.subarray(end + 4, end + 4 + length).toString("utf8");
          this.#buffer = this.#buffer.subarray(end + 4 + length);
          return { status: Number(head.split(" ")[1]), body: JSON.parse(body) as Record<string, unknown> };
        }
      }
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const post = (body: Buffer | string, extra = "") =>
  `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`;

describe("POST /v1/jobs body reading over real HTTP", () => {
  let server: ApiServer | undefined;
  let conn: RawConnection | undefined;
  afterEach(async () => {
    conn?.close();
    await server?.close();
    vi.restoreAllMocks();
  });

  async function start() {
    // The Node adapter's reader, as local.ts wires it (the core API reads bodies through Hono's general path).
    const env = memoryApp({ bodyReader: nodeBodyReader });
    server = await serveApi(env.app, { port: 0 });
    conn = await RawConnection.open(server.url);
    return env;
  }

  it("takes a body that came with its headers straight from node's buffer, on many requests of one connection", async () => {
    const { queue } = await start();
    const on = vi.spyOn(IncomingMessage.prototype, "on"); // the general path listens for "data"
    const codes = [
      "theorem a : 1 = 1 := rfl",
      "-- ∀ n, n + 0 = n\n#check Nat.add_zero",
      "\uFEFF-- after a BOM\n#check 2",
    ];
    for (const code of codes) {
      const body = JSON.stringify({ code });
      conn!.write(post(body) + body);
      const res = await conn!.response();
      expect(res.status).toBe(202);
    }
    await new Promise((r) => setTimeout(r, 30)); // node-server would drain a request left unended a few ticks later
    // Nothing listened for "data": neither node-server's body reader nor its drain of unended requests ran.
    expect(on.mock.calls.filter(([event]) => event === "data")).toEqual([]);
    expect(messagesOf(queue).map((m) => ("request" in m ? m.request : undefined))).toEqual(
      codes.map((code) => ({ kind: "command", code })),
    );
  });

  it("reads bodies that arrive in pieces, or chunked, the general way", async () => {
    const { queue } = await start();
    const on = vi.spyOn(IncomingMessage.prototype, "on");
    const body = JSON.stringify({ code: "theorem split : 2 = 2 := rfl" });
    conn!.write(post(body) + body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 50)); // the server has seen the headers and part of the body
    conn!.write(body.slice(10));
    expect((await conn!.response()).status).toBe(202);
    expect(on.mock.calls.filter(([event]) => event === "data")).toHaveLength(1);

    const chunked = JSON.stringify({ code: "theorem chunked : 3 = 3 := rfl" });
    conn!.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    conn!.write(`${(8).toString(16)}\r\n${chunked.slice(0, 8)}\r\n`);
    await new Promise((r) => setTimeout(r, 20));
    const rest = chunked.slice(8);
    conn!.write(`${Buffer.byteLength(rest).toString(16)}\r\n${rest}\r\n0\r\n\r\n`);
    expect((await conn!.response()).status).toBe(202);
    expect(on.mock.calls.filter(([event]) => event === "data")).toHaveLength(2);
    expect(messagesOf(queue).map((m) => ("request" in m ? (m.request as { code: string }).code : ""))).toEqual([
      "theorem split : 2 = 2 := rfl",
      "theorem chunked : 3 = 3 := rfl",
    ]);
  });

  it("refuses invalid UTF-8, bad JSON and empty bodies read on the fast path, and keeps the connection usable", async () => {
    const { queue } = await start();
    const bad = Buffer.concat([Buffer.from('{"code": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    conn!.write(post(bad));
    conn!.write(bad);
    const utf8 = await conn!.response();
    expect(utf8.status).toBe(400);
    expect((utf8.body.error as { code: string }).code).toBe("invalid_utf8");
    conn!.write(post("{") + "{");
    expect(((await conn!.response()).body.error as { code: string }).code).toBe("invalid_json");
    conn!.write(post(""));
    expect(((await conn!.response()).body.error as { code: string }).code).toBe("invalid_json");
    const ok = JSON.stringify({ code: "#check 1" });
    conn!.write(post(ok) + ok);
    expect((await conn!.response()).status).toBe(202);
    expect(messagesOf(queue)).toHaveLength(1);
  });
});
