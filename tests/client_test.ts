import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AircallClient,
  type ClientOptions,
  rateLimitWaitMs,
  type ResponseInfo,
} from "../src/aircall/client.ts";
import { explainRefusal, MAX_EXPLANATION } from "../src/aircall/refusal.ts";
import { Scheduler } from "../src/aircall/scheduler.ts";
import { POSITIONAL_CAP_EXPLANATION } from "./fake_aircall/mod.ts";
import {
  ConnectorError,
  CredentialsError,
  HttpError,
  UnreachableError,
} from "../src/errors.ts";

/** A response, a network error, or a function giving one when fetched. */
type Answer = Response | Error | (() => Response);

/**
 * A client whose fetch plays back `answers` and whose sleeps are recorded.
 * `options` override the client's (3 attempts by default here).
 */
function clientWith(answers: Answer[], options: Partial<ClientOptions> = {}) {
  const sleeps: number[] = [];
  const urls: string[] = [];
  let clock = 0;
  const sleep = (ms: number) => {
    sleeps.push(ms);
    clock += ms;
    return Promise.resolve();
  };
  // Paced as fast as a config allows, on a virtual clock.
  const scheduler = new Scheduler(100_000, { now: () => clock, sleep });
  const client = new AircallClient({
    scheduler,
    baseUrl: "https://api.example.test",
    apiId: "id",
    apiToken: "token",
    maxAttempts: 3,
    random: () => 0.5,
    now: () => 1_700_000_000_000,
    sleep,
    fetch: (input) => {
      urls.push(String(input));
      const next = answers.shift()!;
      const answer = typeof next === "function" ? next() : next;
      return answer instanceof Error
        ? Promise.reject(answer)
        : Promise.resolve(answer);
    },
    ...options,
  });
  return { client, sleeps, urls, scheduler };
}

const json = (status: number, body: unknown, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers });

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectorError, String(error));
    return error;
  }
  assert.fail("expected a ConnectorError");
}

describe("AircallClient", () => {
  it("sends Basic auth and the query, and parses JSON", async () => {
    let seen: Headers | undefined;
    const client = new AircallClient({
      baseUrl: "https://api.example.test",
      apiId: "id",
      apiToken: "token",
      fetch: (input, init) => {
        seen = new Headers(init?.headers);
        assert.equal(
          String(input),
          "https://api.example.test/v1/calls?from=1&per_page=50",
        );
        return Promise.resolve(json(200, { calls: [] }));
      },
    });
    assert.deepEqual(await client.get("/v1/calls", { from: 1, per_page: 50 }), {
      calls: [],
    });
    assert.equal(seen?.get("authorization"), `Basic ${btoa("id:token")}`);
  });

  for (const status of [401, 403]) {
    it(`does not retry ${status}: a config_error naming the fields to check`, async () => {
      const { client, urls } = clientWith([json(status, { message: "no" })]);
      const error = await failure(client.get("/v1/ping"));
      assert.ok(error instanceof CredentialsError, "stops the run");
      assert.equal(error.status, status);
      assert.equal(error.failureType, "config_error");
      assert.match(error.message, /check api_id and api_token/);
      assert.equal(urls.length, 1);
    });
  }

  for (const status of [400, 404]) {
    it(`does not retry ${status}: a system_error with the API's reason`, async () => {
      const { client, urls } = clientWith([
        json(status, { error: "Bad thing", troubleshoot: "Do this" }),
      ]);
      const error = await failure(client.get("/v1/calls", { page: 1 }));
      assert.ok(error instanceof HttpError);
      assert.equal(error.status, status);
      assert.equal(error.failureType, "system_error");
      assert.match(
        error.message,
        /GET \/v1\/calls\?page=1 .*Bad thing; Do this/,
      );
      assert.equal(urls.length, 1);
    });
  }

  it("retries 5xx, network errors and truncated bodies with backoff", async () => {
    const { client, sleeps } = clientWith([
      json(503, {}),
      new TypeError("connection reset"),
      new Response('{"calls": [', { status: 200 }),
    ]);
    const error = await failure(client.get("/v1/calls"));
    assert.equal(error.failureType, "transient_error");
    assert.match(error.message, /after 3 attempts/);
    assert.deepEqual(sleeps, [1000, 2000], "exponential, jitter centred");
  });

  it("gives a request up between attempts once its signal aborts", async () => {
    const { client, urls } = clientWith([json(200, {})]);
    await assert.rejects(
      client.get("/v1/calls", {}, AbortSignal.abort()),
      (error: Error) => error.name === "AbortError",
    );
    assert.deepEqual(urls, [], "nothing sent once given up");

    // Given up while an attempt is under way: it runs its course, no retry.
    const given = new AbortController();
    const retried = clientWith([() => {
      given.abort();
      return json(503, {});
    }, json(200, {})]);
    await assert.rejects(
      retried.client.get("/v1/calls", {}, given.signal),
      (error: Error) => error.name === "AbortError",
    );
    assert.equal(retried.urls.length, 1);
    assert.deepEqual(retried.sleeps, []);
  });

  it("still holds the run for a 429 met by a request given up on", async () => {
    const reset = String(1_700_000_000 + 30);
    const given = new AbortController();
    const { client, scheduler, sleeps } = clientWith([() => {
      given.abort();
      return json(429, {}, { "X-AircallApi-Reset": reset });
    }]);
    await assert.rejects(
      client.get("/v1/calls", {}, given.signal),
      (error: Error) => error.name === "AbortError",
    );
    await scheduler.take(); // the run's next request
    assert.deepEqual(sleeps, [30_000]);
  });

  it("recovers when a retry succeeds", async () => {
    const { client } = clientWith([json(502, {}), json(200, { ok: 1 })]);
    assert.deepEqual(await client.get("/v1/ping"), { ok: 1 });
  });

  it("gives rate-limit waits a budget of their own", async () => {
    const reset = String(1_700_000_000 + 5);
    const { client, sleeps } = clientWith([
      json(503, {}),
      json(503, {}),
      ...Array.from(
        { length: 5 },
        () => json(429, {}, { "X-AircallApi-Reset": reset }),
      ),
      json(200, { ok: true }),
    ]);
    // Two faults and five 429s: within both budgets (3 attempts, 10 waits).
    assert.deepEqual(await client.get("/v1/ping"), { ok: true });
    assert.equal(sleeps.filter((ms) => ms === 5_000).length, 5);
  });

  it("holds every request until the rate limit's reset on 429", async () => {
    const reset = String(1_700_000_000 + 42);
    const { client, sleeps } = clientWith([
      json(429, {}, { "X-AircallApi-Reset": reset }),
      json(200, {}),
    ]);
    await client.get("/v1/ping");
    assert.deepEqual(sleeps, [42_000]);
  });
});

describe("rate-limit headers", () => {
  it("lower the pace to a reported limit below the configured one", async () => {
    const { client, scheduler } = clientWith([
      json(429, {}, { "X-AircallApi-Limit": "30" }),
      json(200, {}),
    ]);
    await client.get("/v1/ping");
    assert.equal(scheduler.perMinute, 30);
  });

  it("pause every request when a success says none remain", async () => {
    const reset = String(1_700_000_000 + 7);
    const { client, sleeps } = clientWith([
      json(200, {}, {
        "X-AircallApi-Remaining": "0",
        "X-AircallApi-Reset": reset,
      }),
      json(200, {}),
    ]);
    await client.get("/v1/ping");
    await client.get("/v1/ping");
    assert.deepEqual(sleeps, [7_000]);
  });
});

describe("rateLimitWaitMs", () => {
  const now = 1_700_000_000_000;
  const headers = (reset?: string) =>
    new Headers(reset ? { "x-aircallapi-reset": reset } : {});
  it("reads unix seconds", () => {
    assert.equal(rateLimitWaitMs(headers("1700000030"), now), 30_000);
  });
  it("reads milliseconds above 10^12", () => {
    assert.equal(rateLimitWaitMs(headers("1700000005000"), now), 5_000);
  });
  it("waits 60 s without the header", () => {
    assert.equal(rateLimitWaitMs(headers(), now), 60_000);
  });
  it("waits the documented 60 s when the reset has passed (clock skew)", () => {
    assert.equal(rateLimitWaitMs(headers("1699999990"), now), 60_000);
    assert.equal(rateLimitWaitMs(headers("60"), now), 60_000);
  });
  it("never waits more than 120 s", () => {
    assert.equal(rateLimitWaitMs(headers("1700009999"), now), 120_000);
  });
});

/** A fetch failure as Node's fetch (undici) throws it: a cause with a code. */
function nodeFailure(code: string, message: string): TypeError {
  return new TypeError("fetch failed", {
    cause: Object.assign(new Error(message), { code }),
  });
}

/** A fetch failure as Deno's fetch throws it: the reason in the cause's text. */
function denoFailure(why: string): TypeError {
  return new TypeError("fetch failed", {
    cause: new Error(
      `error sending request for url (https://api.example.test/v1/ping): client error (Connect): ${why}`,
    ),
  });
}

describe("connection failures", () => {
  const refusedNode = () =>
    nodeFailure("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:443");
  const refusedDeno = () =>
    denoFailure("tcp connect error: Connection refused (os error 111)");

  for (
    const [runtime, refused] of [["Node", refusedNode], [
      "Deno",
      refusedDeno,
    ]] as const
  ) {
    it(`a refused first connection (${runtime}'s words): two retries, then an UnreachableError naming host and cause`, async () => {
      const { client, urls, sleeps } = clientWith(
        Array.from({ length: 6 }, refused),
        { maxAttempts: 6 },
      );
      const error = await failure(client.get("/v1/ping"));
      assert.ok(error instanceof UnreachableError, "stops the run");
      assert.equal(
        error.message,
        "Cannot connect to api.example.test:443: connection refused; check AIRCALL_API_URL.",
      );
      assert.equal(urls.length, 3);
      assert.deepEqual(sleeps, [1000, 2000]);
    });
  }

  it("once the API has answered, a refused connection gets every retry (a fault that passes)", async () => {
    const { client, urls } = clientWith([
      json(200, {}),
      ...Array.from({ length: 5 }, refusedNode),
      json(200, { ok: 1 }),
    ], { maxAttempts: 6 });
    await client.get("/v1/ping");
    assert.deepEqual(await client.get("/v1/calls"), { ok: 1 });
    assert.equal(urls.length, 7);
  });

  it("and names the host and cause when those retries run out", async () => {
    const { client } = clientWith([
      json(200, {}),
      refusedNode(),
      refusedNode(),
      refusedNode(),
    ]);
    await client.get("/v1/ping");
    const error = await failure(client.get("/v1/calls"));
    assert.ok(!(error instanceof UnreachableError));
    assert.equal(error.failureType, "transient_error");
    assert.match(
      error.message,
      /^Aircall kept failing on GET \/v1\/calls \(cannot connect to api\.example\.test:443: connection refused; check AIRCALL_API_URL\) after 3 attempts/,
    );
  });

  const causes: [string, () => Error, RegExp][] = [
    [
      "a host that does not resolve (Node)",
      () => nodeFailure("ENOTFOUND", "getaddrinfo ENOTFOUND api.example.test"),
      /^Cannot connect to api\.example\.test:443: the host name does not resolve \(DNS\); check AIRCALL_API_URL\.$/,
    ],
    [
      "a host that does not resolve (Deno)",
      () =>
        denoFailure(
          "dns error: failed to lookup address information: Name or service not known",
        ),
      /^Cannot connect to api\.example\.test:443: the host name does not resolve \(DNS\)/,
    ],
    [
      "a certificate Node refuses",
      () => nodeFailure("CERT_HAS_EXPIRED", "certificate has expired"),
      /^Cannot connect to api\.example\.test:443: the TLS handshake failed \(CERT_HAS_EXPIRED\); check AIRCALL_API_URL\.$/,
    ],
    [
      "a certificate Deno refuses",
      () => denoFailure("invalid peer certificate: UnknownIssuer"),
      /^Cannot connect to api\.example\.test:443: the TLS handshake failed \(invalid peer certificate: UnknownIssuer\)/,
    ],
  ];
  for (const [label, thrown, reason] of causes) {
    it(`says so for ${label}`, async () => {
      const { client, urls } = clientWith(Array.from({ length: 6 }, thrown), {
        maxAttempts: 6,
      });
      assert.match((await failure(client.get("/v1/ping"))).message, reason);
      assert.equal(urls.length, 3);
    });
  }

  it("does not retry a port fetch refuses to use", async () => {
    const { client, urls } = clientWith([
      new TypeError("fetch failed", { cause: new Error("bad port") }),
    ], { baseUrl: "http://127.0.0.1:9" });
    const error = await failure(client.get("/v1/ping"));
    assert.ok(error instanceof UnreachableError);
    assert.equal(
      error.message,
      "Cannot connect to 127.0.0.1:9: fetch does not allow port 9; check AIRCALL_API_URL.",
    );
    assert.equal(urls.length, 1);
  });

  it("points at the network rather than AIRCALL_API_URL for Aircall's own origin", async () => {
    const { client } = clientWith(
      [refusedNode(), refusedNode(), refusedNode()],
      {
        baseUrl: "https://api.aircall.io",
      },
    );
    const error = await failure(client.get("/v1/ping"));
    assert.equal(error.failureType, "transient_error");
    assert.equal(
      error.message,
      "Cannot connect to api.aircall.io:443: connection refused; check this machine's network access to api.aircall.io.",
    );
  });

  it("keeps the runtime's words for a fault it cannot name (a reset)", async () => {
    const { client } = clientWith([
      new TypeError("fetch failed", { cause: new Error("other side closed") }),
      json(200, { ok: 1 }),
    ]);
    assert.deepEqual(await client.get("/v1/ping"), { ok: 1 });
  });
});

describe("deadline and onResponse", () => {
  it("gives up when the next retry would pass the deadline", async () => {
    const { client, sleeps } = clientWith(
      Array.from({ length: 6 }, () => json(503, {})),
      { maxAttempts: 6, deadlineMs: 3_000 },
    );
    const error = await failure(client.get("/v1/ping"));
    assert.equal(error.failureType, "transient_error");
    assert.match(
      error.message,
      /^Aircall did not answer GET \/v1\/ping within 3 s \(HTTP 503\)/,
    );
    assert.deepEqual(sleeps, [1000, 2000]);
  });

  it("reports every attempt: the request, its status or failure, the attempt, the time", async () => {
    const seen: ResponseInfo[] = [];
    const { client } = clientWith([
      nodeFailure("ECONNRESET", "read ECONNRESET"),
      json(503, {}),
      json(200, {}),
    ], { onResponse: (info) => void seen.push(info) });
    await client.get("/v1/calls", { page: 2 });
    assert.deepEqual(
      seen.map(({ ms, ...rest }) => {
        assert.ok(ms >= 0);
        return rest;
      }),
      [
        {
          request: "GET /v1/calls?page=2",
          attempt: 1,
          failure: "network error: read ECONNRESET",
        },
        { request: "GET /v1/calls?page=2", attempt: 2, status: 503 },
        { request: "GET /v1/calls?page=2", attempt: 3, status: 200 },
      ],
    );
  });
});

describe("a refusal's message", () => {
  const refusal = async (status: number, body: string | unknown) => {
    const { client } = clientWith([
      new Response(typeof body === "string" ? body : JSON.stringify(body), {
        status,
      }),
    ]);
    return await failure(client.get("/v1/calls", { page: 201 }));
  };

  it("gives the cap's explanation from errors, not the status words", async () => {
    const error = await refusal(400, {
      error: "Bad Request",
      troubleshoot: "BAD_REQUEST",
      errors: POSITIONAL_CAP_EXPLANATION,
    });
    assert.equal(
      error.message,
      `Aircall refused GET /v1/calls?page=201 with HTTP 400: ${POSITIONAL_CAP_EXPLANATION}`,
    );
  });

  for (
    const [shape, errors, said] of [
      [
        "a list of strings",
        ["from is invalid", "to is invalid"],
        "from is invalid; to is invalid",
      ],
      ["a list of objects", [{
        field: "per_page",
        message: "must be at most 50",
      }], "per_page: must be at most 50"],
      ["an object of fields", {
        from: ["must be a timestamp"],
        order: "asc or desc",
      }, "from: must be a timestamp; order: asc or desc"],
    ] as const
  ) {
    it(`reads errors given as ${shape}`, async () => {
      const error = await refusal(400, {
        error: "Invalid parameter",
        message: "BAD_REQUEST",
        errors,
        troubleshoot: "See the API reference",
      });
      assert.equal(
        error.message,
        `Aircall refused GET /v1/calls?page=201 with HTTP 400: Invalid parameter; ${said}; See the API reference`,
      );
    });
  }

  it("keeps the status words when they are all the body says", async () => {
    const error = await refusal(404, { message: "Not Found" });
    assert.match(error.message, /with HTTP 404: Not Found$/);
    const empty = await refusal(400, "");
    assert.match(empty.message, /with HTTP 400: \(empty body\)$/);
  });

  it("gives a body that is not JSON as one line of text", async () => {
    const error = await refusal(
      400,
      "<html>\n<body><h1>400 Bad Request</h1>\n<p>Request header too large</p></body></html>",
    );
    assert.match(
      error.message,
      /with HTTP 400: 400 Bad Request Request header too large$/,
    );
  });

  it("stays one bounded line and never cuts inside a word", async () => {
    const secret = "s3cr3t".repeat(10);
    const words = Array.from({ length: 70 }, (_, i) => `word${i}`).join("\n");
    const error = await refusal(400, { errors: `${words} ${secret} tail` });
    assert.ok(!error.message.includes("\n"));
    const said = error.message.split("HTTP 400: ")[1];
    assert.ok(said.length <= MAX_EXPLANATION, `${said.length}`);
    assert.ok(said.endsWith("…"));
    // The secret is either whole (the printer masks it) or absent.
    assert.ok(!/s3cr3t/.test(said) || said.includes(secret));
    assert.equal(explainRefusal(`x ${"y".repeat(400)}`), "x…");
  });

  it("adds what Aircall said to a rejected key when it says more than the status", async () => {
    const addOn = await refusal(403, {
      error: "Forbidden",
      troubleshoot:
        "This feature requires an add-on your company does not have.",
    });
    assert.ok(addOn instanceof CredentialsError);
    assert.equal(
      addOn.message,
      "Aircall rejected the API key (HTTP 403); check api_id and api_token. Aircall said: This feature requires an add-on your company does not have.",
    );
    const plain = await refusal(403, { message: "Forbidden" });
    assert.equal(
      plain.message,
      "Aircall rejected the API key (HTTP 403); check api_id and api_token.",
    );
  });
});
