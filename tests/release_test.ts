/**
 * What a `v*` tag publishes agrees with the repository: the version check
 * (deno.json, metadata.yaml, the Dockerfile labels, CHANGELOG.md), the
 * release workflow's smoke tests, checksums and publish steps, the Docker
 * image's entrypoint (scripts/run_flags.ts), the CI workflow, and the
 * README's Install section. The workflows cannot run here: their steps are
 * read from the YAML, and the shell of the version check and of the npm
 * publish guard is run as the runner would.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { PACKAGE_JSON } from "../scripts/build_npm.ts";
import { compileArgs, TARGETS } from "../scripts/compile.ts";
import {
  changelogEntry,
  checkRelease,
  dockerInstructions,
  dockerLabels,
  imageFor,
  RELEASE_FILE_PATHS,
  type ReleaseFiles,
} from "../scripts/release_check.ts";
import { RUN_FLAGS } from "../scripts/run_flags.ts";
import { ROOT, runtimeFlags, tempDir } from "./_helpers.ts";

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const FILES = Object.fromEntries(
  Object.entries(RELEASE_FILE_PATHS).map(([key, path]) => [key, read(path)]),
) as unknown as ReleaseFiles;
const VERSION: string = JSON.parse(FILES.denoJson).version;
const METADATA = parseYaml(FILES.metadata);
const IMAGE: string = METADATA.data.dockerRepository;
/** The GitHub repository, from metadata.yaml's documentation URL. */
const [OWNER, REPOSITORY] = new URL(METADATA.data.documentationUrl).pathname
  .split("/").slice(1, 3);

/** The version check as the workflow and the test run it. */
const CHECK_COMMAND =
  "deno run --allow-read --allow-env=LOG_TOKENS,LOG_STREAM scripts/release_check.ts";

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown> };
  steps: Step[];
}

interface Workflow {
  on: Record<string, { tags?: string[]; branches?: string[] } | null>;
  permissions: Record<string, string>;
  defaults?: { run?: { shell?: string } };
  jobs: Record<string, Job>;
}

const WORKFLOW_FILES = [
  ".github/workflows/release.yml",
  ".github/workflows/ci.yml",
];
const release = parseYaml(read(WORKFLOW_FILES[0])) as Workflow;
const ci = parseYaml(read(WORKFLOW_FILES[1])) as Workflow;
const jobs = release.jobs;

/** The jobs that publish anything, and the smoke-test jobs they wait for. */
const PUBLISH_JOBS = ["github-release", "npm-publish", "docker-publish"];
const SMOKE_JOBS = ["binaries", "npm-smoke", "docker-smoke"];

const needsOf = (job: Job) => [job.needs ?? []].flat();
const scriptOf = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const usesOf = (job: Job, action: string) =>
  job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

function _ancestors(name: string): Set<string> {
  const found = new Set<string>();
  for (const parent of needsOf(jobs[name])) {
    found.add(parent);
    for (const ancestor of _ancestors(parent)) found.add(ancestor);
  }
  return found;
}

/** Whether a step publishes: a release, a package, an image or an attestation. */
function _publishes(step: Step): boolean {
  return /npm publish|gh release (create|upload)/.test(step.run ?? "") ||
    step.with?.push === true ||
    step.uses?.startsWith("actions/attest-build-provenance@") === true;
}

/** Git's bash on Windows (as the runner's `shell: bash`), bash elsewhere. */
const BASH = process.platform === "win32"
  ? join(process.env.ProgramFiles ?? "C:\\Program Files", "Git/bin/bash.exe")
  : "bash";

/**
 * Runs a step's script as the runner does (`bash -e -o pipefail`), after
 * `prelude` (stubs of the commands it calls).
 */
function _runStep(
  script: string,
  env: Record<string, string>,
  prelude = "",
) {
  return spawnSync(BASH, [
    "-e",
    "-o",
    "pipefail",
    "-c",
    `${prelude}\n${script}`,
  ], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

describe("the release files", () => {
  it("name one version and one image: deno.json, metadata.yaml, the Dockerfile labels, CHANGELOG.md", () => {
    const facts = checkRelease(FILES, `v${VERSION}`);
    assert.deepEqual(facts, { version: VERSION, image: IMAGE, problems: [] });
    assert.equal(dockerLabels(FILES.dockerfile)["io.airbyte.name"], IMAGE);
    assert.equal(dockerLabels(FILES.dockerfile)["io.airbyte.version"], VERSION);
    assert.equal(String(METADATA.data.dockerImageTag), VERSION);
    assert.match(changelogEntry(FILES.changelog, VERSION)!.date, /^\d{4}-/);
  });

  it("name the image GitHub's registry holds for the repository the package and docs point at", () => {
    assert.equal(IMAGE, imageFor(OWNER));
    assert.equal(
      PACKAGE_JSON.repository.url,
      `git+https://github.com/${OWNER}/${REPOSITORY}.git`,
    );
    assert.equal(
      imageFor("Source-Aircall"),
      "ghcr.io/source-aircall/source-aircall",
    );
  });

  it("the version check names each disagreement in one sentence", () => {
    const cases: [string, Partial<ReleaseFiles>, string, RegExp][] = [
      [
        "another tag",
        {},
        "v9.9.9",
        /^The tag v9\.9\.9 is not deno\.json's version v/,
      ],
      [
        "metadata.yaml's tag",
        {
          metadata: FILES.metadata.replace(
            /dockerImageTag: .*/,
            "dockerImageTag: 9.9.9",
          ),
        },
        `v${VERSION}`,
        /^metadata\.yaml's dockerImageTag 9\.9\.9 is not deno\.json's version/,
      ],
      [
        "the version label",
        {
          dockerfile: FILES.dockerfile.replace(
            /io\.airbyte\.version=.*/,
            "io.airbyte.version=9.9.9",
          ),
        },
        `v${VERSION}`,
        /^The Dockerfile's io\.airbyte\.version label 9\.9\.9 is not/,
      ],
      [
        "the name label",
        {
          dockerfile: FILES.dockerfile.replace(
            /io\.airbyte\.name=.*/,
            "io.airbyte.name=airbyte/source-aircall",
          ),
        },
        `v${VERSION}`,
        /^The Dockerfile's io\.airbyte\.name label airbyte\/source-aircall is not metadata\.yaml's dockerRepository/,
      ],
      [
        "an image the release does not push",
        {
          metadata: FILES.metadata.replace(
            /dockerRepository: .*/,
            "dockerRepository: airbyte/source-aircall",
          ),
          dockerfile: FILES.dockerfile.replace(
            /io\.airbyte\.name=.*/,
            "io.airbyte.name=airbyte/source-aircall",
          ),
        },
        `v${VERSION}`,
        /^metadata\.yaml's dockerRepository airbyte\/source-aircall is not an image the release pushes/,
      ],
      [
        "no changelog entry",
        { changelog: FILES.changelog.replaceAll(`[${VERSION}]`, "[0.0.0]") },
        `v${VERSION}`,
        /^CHANGELOG\.md has no dated entry with changes for /,
      ],
      [
        "an undated changelog entry",
        { changelog: FILES.changelog.replace(/^(## \[[\d.]+\]) - .*$/m, "$1") },
        `v${VERSION}`,
        /^CHANGELOG\.md has no dated entry/,
      ],
    ];
    for (const [what, change, tag, problem] of cases) {
      const { problems } = checkRelease({ ...FILES, ...change }, tag);
      assert.equal(problems.length, 1, `${what}: ${problems.join(" | ")}`);
      assert.match(problems[0], problem, what);
    }
  });

  it("the version check script prints the workflow's outputs, or its reasons and exits 1", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [
        ...CHECK_COMMAND.split(" ").slice(1),
        ...args,
      ], {
        cwd: ROOT,
        encoding: "utf8",
      });
    const here = run("--tag", `v${VERSION}`, "--owner", OWNER.toUpperCase());
    assert.equal(here.status, 0, here.stderr);
    assert.equal(
      here.stdout,
      `version=${VERSION}\nimage=${IMAGE}\npush_image=true\n`,
    );
    const fork = run("--tag", `v${VERSION}`, "--owner", "someone-else");
    assert.equal(fork.status, 0, fork.stderr);
    assert.match(fork.stdout, /^push_image=false$/m);
    const wrong = run("--tag", "v0.0.0", "--owner", OWNER);
    assert.equal(wrong.status, 1);
    assert.equal(wrong.stdout, "");
    assert.match(
      wrong.stderr,
      /^The tag v0\.0\.0 is not deno\.json's version v.*\n$/,
    );
    const notes = run("--tag", `v${VERSION}`, "--owner", OWNER, "--notes");
    assert.equal(notes.status, 0, notes.stderr);
    assert.equal(
      notes.stdout,
      changelogEntry(FILES.changelog, VERSION)!.body + "\n",
    );
    assert.equal(run("--tag", `v${VERSION}`).status, 2);
  });
});

describe("the release workflow", () => {
  it("runs on v* tags only, with no permission a job does not ask for, in bash with pipefail", () => {
    assert.deepEqual(Object.keys(release.on), ["push"]);
    assert.deepEqual(release.on.push, { tags: ["v*"] });
    assert.deepEqual(release.permissions, {});
    assert.equal(release.defaults?.run?.shell, "bash");
  });

  it("refuses to go on unless the tag is deno.json's version: every job waits for the version check", () => {
    const check = jobs.version.steps.find((s) => s.id === "check")!;
    assert.ok(check.run!.startsWith(`${CHECK_COMMAND} `), check.run);
    assert.match(
      check.run!,
      /--tag "\$GITHUB_REF_NAME" --owner "\$GITHUB_REPOSITORY_OWNER" \| tee -a "\$GITHUB_OUTPUT"$/,
    );
    for (const output of ["version", "image", "push_image"]) {
      assert.equal(
        jobs.version.outputs![output],
        `\${{ steps.check.outputs.${output} }}`,
      );
    }
    for (const name of Object.keys(jobs).filter((n) => n !== "version")) {
      assert.ok(
        _ancestors(name).has("version"),
        `${name} does not wait for the version check`,
      );
    }
  });

  it("runs the version check step as the runner would: outputs for the tag of deno.json's version, a failure for any other", () => {
    const check = jobs.version.steps.find((s) => s.id === "check")!.run!;
    const stub = `deno() { "$DENO_BIN" "$@"; }`;
    const output = join(tempDir(), "output");
    const env = (tag: string) => ({
      DENO_BIN: process.execPath,
      GITHUB_REF_NAME: tag,
      GITHUB_REPOSITORY_OWNER: OWNER,
      GITHUB_OUTPUT: output,
    });
    writeFileSync(output, "");
    const good = _runStep(check, env(`v${VERSION}`), stub);
    assert.equal(good.status, 0, good.stderr);
    assert.equal(
      readFileSync(output, "utf8"),
      `version=${VERSION}\nimage=${IMAGE}\npush_image=true\n`,
    );
    writeFileSync(output, "");
    const bad = _runStep(check, env(`v${VERSION}.1`), stub);
    assert.notEqual(bad.status, 0);
    assert.equal(readFileSync(output, "utf8"), "");
    assert.match(bad.stderr, /is not deno\.json's version/);
  });

  it("builds every target's binary and smoke-tests it on its own runner: spec, and check against the fake API", () => {
    const matrix = jobs.binaries.strategy!.matrix.include as {
      target: string;
      runner: string;
      binary: string;
    }[];
    assert.deepEqual(matrix.map((m) => m.target).sort(), [...TARGETS].sort());
    for (const { target, binary } of matrix) {
      assert.equal(`dist/${binary}`, compileArgs(target).at(-4), target);
    }
    assert.equal(new Set(matrix.map((m) => m.runner)).size, matrix.length);
    const script = scriptOf(jobs.binaries);
    assert.match(script, /scripts\/compile\.ts --target "\$TARGET"/);
    assert.match(
      script,
      /"\.\/dist\/\$BINARY" spec > spec\.out\n.*\n?grep -q '"type":"SPEC"' spec\.out/,
    );
    assert.match(
      script,
      /deno task fake --config smoke-config\.json -- "\.\/dist\/\$BINARY" check --config smoke-config\.json > check\.out/,
    );
    assert.match(script, /grep -q '"status":"SUCCEEDED"' check\.out/);
    assert.equal(
      usesOf(jobs.binaries, "actions/upload-artifact")[0].with!.path,
      "dist/${{ matrix.binary }}",
    );
  });

  it("builds the npm package and smoke-tests it with npx from the packed tarball under Node 20 and the current LTS", () => {
    assert.match(scriptOf(jobs["npm-package"]), /^deno task build:npm$/m);
    assert.equal(
      usesOf(jobs["npm-package"], "actions/upload-artifact")[0].with!.path,
      `dist/${PACKAGE_JSON.name}-\${{ needs.version.outputs.version }}.tgz`,
    );
    assert.deepEqual(jobs["npm-smoke"].strategy!.matrix.node, ["20", "lts/*"]);
    assert.equal(
      usesOf(jobs["npm-smoke"], "actions/setup-node")[0].with!["node-version"],
      "${{ matrix.node }}",
    );
    assert.equal(
      jobs["npm-smoke"].env!.TARBALL,
      `./package/${PACKAGE_JSON.name}-\${{ needs.version.outputs.version }}.tgz`,
    );
    // `npx airbyte-source-aircall` runs the bin named after the package.
    assert.equal(
      (PACKAGE_JSON.bin as Record<string, string>)[PACKAGE_JSON.name],
      "bin/source-aircall.mjs",
    );
    const npx = `npx --yes --package="$TARBALL" ${PACKAGE_JSON.name}`;
    const script = scriptOf(jobs["npm-smoke"]);
    assert.ok(script.includes(`${npx} spec > spec.out`), script);
    assert.ok(
      script.includes(
        `deno task fake --config smoke-config.json -- ${npx} check --config smoke-config.json > check.out`,
      ),
      script,
    );
    assert.match(script, /grep -q '"status":"SUCCEEDED"' check\.out/);
  });

  it("builds the image for linux/amd64 and linux/arm64, each checked on its own runner: labels, spec, AIRBYTE_ENTRYPOINT, check on the host network", () => {
    const job = jobs["docker-smoke"];
    const matrix = job.strategy!.matrix.include as {
      platform: string;
      runner: string;
    }[];
    assert.deepEqual(matrix.map((m) => m.platform), [
      "linux/amd64",
      "linux/arm64",
    ]);
    assert.equal(new Set(matrix.map((m) => m.runner)).size, 2);
    const build = usesOf(job, "docker/build-push-action")[0];
    assert.equal(build.with!.load, true);
    assert.equal(build.with!.push, false);
    assert.equal(job.env!.NAME, "${{ needs.version.outputs.image }}");
    assert.equal(job.env!.VERSION, "${{ needs.version.outputs.version }}");
    const script = scriptOf(job);
    for (const label of ["io.airbyte.name", "io.airbyte.version"]) {
      assert.ok(script.includes(`index .Config.Labels "${label}"`), label);
    }
    assert.match(script, /docker run --rm "\$IMAGE" spec > spec\.out/);
    assert.ok(script.includes(`sh "$IMAGE" -c '$AIRBYTE_ENTRYPOINT spec'`));
    assert.match(
      script,
      /deno task fake --config smoke\/config\.json -- docker run --rm --network host -e AIRCALL_API_URL \\\n\s+-v "\$PWD\/smoke:\/smoke:ro" "\$IMAGE" check --config \/smoke\/config\.json > check\.out/,
    );
    assert.match(script, /grep -q '"status":"SUCCEEDED"' check\.out/);
  });

  it("publishes nothing until every smoke test passed, and only from the publish jobs", () => {
    for (const [name, job] of Object.entries(jobs)) {
      const publishing = job.steps.some(_publishes);
      assert.equal(publishing, PUBLISH_JOBS.includes(name), name);
      const writes = Object.entries(job.permissions ?? {})
        .filter(([, level]) => level === "write").map(([scope]) => scope);
      if (!PUBLISH_JOBS.includes(name)) assert.deepEqual(writes, [], name);
    }
    for (const name of PUBLISH_JOBS) {
      assert.deepEqual(
        needsOf(jobs[name]).sort(),
        ["version", ...SMOKE_JOBS].sort(),
        name,
      );
    }
  });

  it("attaches the binaries with a SHA256SUMS over all of them, and attests their build provenance", () => {
    const job = jobs["github-release"];
    assert.deepEqual(usesOf(job, "actions/download-artifact")[0].with, {
      pattern: "source-aircall-*",
      path: "dist",
      "merge-multiple": true,
    });
    const sums = job.steps.find((s) => s.run?.includes("sha256sum"))!;
    assert.equal(sums.name, "Checksums of the binaries (SHA256SUMS)");
    assert.ok(sums.run!.includes("sha256sum source-aircall-* > SHA256SUMS"));
    assert.ok(
      sums.run!.includes(`test "$(wc -l < SHA256SUMS)" -eq ${TARGETS.length}`),
    );
    assert.deepEqual(usesOf(job, "actions/attest-build-provenance")[0].with, {
      "subject-path": "dist/source-aircall-*",
    });
    assert.ok(scriptOf(job).includes("--notes > notes.md"));
    assert.ok(
      scriptOf(job).includes(
        'gh release upload "$GITHUB_REF_NAME" dist/source-aircall-* dist/SHA256SUMS',
      ),
    );
    assert.deepEqual(job.permissions, {
      contents: "write",
      "id-token": "write",
      attestations: "write",
    });
  });

  it("publishes the npm package with provenance, and skips with a notice when the NPM_TOKEN secret is absent", () => {
    const job = jobs["npm-publish"];
    const step = job.steps.find((s) => s.run?.includes("npm publish"))!;
    assert.equal(step.env!.NODE_AUTH_TOKEN, "${{ secrets.NPM_TOKEN }}");
    assert.equal(step.env!.TARBALL, jobs["npm-smoke"].env!.TARBALL);
    assert.match(
      step.run!,
      /^ *npm publish "\$TARBALL" --provenance --access public$/m,
    );
    assert.equal(
      usesOf(job, "actions/setup-node")[0].with!["registry-url"],
      "https://registry.npmjs.org",
    );
    assert.equal(job.permissions!["id-token"], "write");
    // The script as the runner runs it, npm stubbed: `npm view` answers $VIEW.
    const stub = `npm() { echo "npm $*"; [ "$1" != view ] || return "$VIEW"; }`;
    const publish = (token: string, published: boolean) => {
      const run = _runStep(step.run!, {
        TARBALL: "./package/x.tgz",
        PACKAGE: "x@1.0.0",
        NODE_AUTH_TOKEN: token,
        VIEW: published ? "0" : "1",
      }, stub);
      assert.equal(run.status, 0, run.stderr);
      return run.stdout;
    };
    const absent = publish("", false);
    assert.match(
      absent,
      /^::notice title=npm publish skipped::.*no NPM_TOKEN secret/m,
    );
    assert.doesNotMatch(absent, /^npm /m);
    assert.match(
      publish("t", false),
      /^npm publish \.\/package\/x\.tgz --provenance --access public$/m,
    );
    const again = publish("t", true);
    assert.match(again, /already on npm/);
    assert.doesNotMatch(again, /^npm publish/m);
  });

  it("pushes both platforms as <image>:<version> and :latest, only when this repository owns the image metadata.yaml names", () => {
    const job = jobs["docker-publish"];
    assert.equal(job.if, "needs.version.outputs.push_image == 'true'");
    assert.equal(job.env!.NAME, "${{ needs.version.outputs.image }}");
    const push = usesOf(job, "docker/build-push-action")[0].with!;
    assert.equal(push.platforms, "linux/amd64,linux/arm64");
    assert.equal(push.push, true);
    assert.deepEqual(String(push.tags).trim().split("\n"), [
      "${{ env.NAME }}:${{ env.VERSION }}",
      "${{ env.NAME }}:latest",
    ]);
    assert.equal(
      usesOf(job, "docker/login-action")[0].with!.registry,
      "ghcr.io",
    );
    assert.equal(usesOf(job, "docker/setup-qemu-action").length, 1);
    const notice = jobs.version.steps.find((s) =>
      s.if === "steps.check.outputs.push_image != 'true'"
    )!;
    assert.match(notice.run!, /::notice title=Docker image not pushed::/);
    assert.equal(job.permissions!.packages, "write");
  });

  it("pins every third-party action to a full commit SHA with its version, the same in every workflow", () => {
    const pins = new Map<string, string>();
    for (const file of WORKFLOW_FILES) {
      const lines = read(file).split("\n").filter((l) =>
        /^\s*(- )?uses: /.test(l)
      );
      assert.ok(lines.length > 0, file);
      for (const line of lines) {
        const pin = line.match(
          /uses: ([\w.-]+\/[\w.\/-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/,
        );
        assert.ok(pin, `${file}: ${line.trim()}`);
        const [, action, sha, version] = pin;
        const seen = pins.get(action);
        assert.ok(
          !seen || seen === `${sha} ${version}`,
          `${action} pinned twice differently`,
        );
        pins.set(action, `${sha} ${version}`);
      }
    }
  });

  it("asks for attestations: write exactly where it attests (.ci/run's schema check cannot see that permission)", () => {
    for (const [name, job] of Object.entries(jobs)) {
      const attests = usesOf(job, "actions/attest-build-provenance").length > 0;
      assert.equal(job.permissions?.attestations === "write", attests, name);
      if (attests) assert.equal(job.permissions?.["id-token"], "write", name);
    }
    const ciRun = read(".ci/run");
    assert.ok(ciRun.includes(`sed '/^ *attestations: write$/d'`));
  });
});

describe("the CI workflow", () => {
  it("runs .ci/run on Linux, and the Deno suite plus the Node pass on macOS and Windows, on pushes and pull requests", () => {
    assert.deepEqual(Object.keys(ci.on).sort(), ["pull_request", "push"]);
    assert.deepEqual(ci.permissions, { contents: "read" });
    assert.match(scriptOf(ci.jobs.linux), /^\.ci\/run$/m);
    const tests = ci.jobs.tests;
    const os = tests.strategy!.matrix.os as string[];
    assert.ok(os.some((o) => o.startsWith("macos-")), String(os));
    assert.ok(os.some((o) => o.startsWith("windows-")), String(os));
    const runs = tests.steps.map((s) => s.run).filter(Boolean);
    assert.deepEqual(runs.slice(-3), [
      "deno task test",
      "deno task build:npm",
      "deno task test:node",
    ]);
  });

  it("is validated by .ci/run with the pinned schema and lint tools, like every workflow", () => {
    const ciRun = read(".ci/run");
    assert.ok(ciRun.includes("for workflow in .github/workflows/*.yml; do"));
    assert.ok(ciRun.includes(`check "Dockerfile lint" dockerfile_lint`));
    const lock = JSON.parse(read(".ci/tools/package-lock.json"));
    for (const tool of ["@action-validator/cli", "dockerfile-utils"]) {
      assert.match(
        lock.packages[`node_modules/${tool}`].version,
        /^\d+\.\d+\.\d+$/,
      );
      assert.equal(
        JSON.parse(read(".ci/tools/package.json")).dependencies[tool],
        lock.packages[`node_modules/${tool}`].version,
      );
    }
  });
});

describe("the Docker image for the Airbyte platform", () => {
  const instructions = dockerInstructions(FILES.dockerfile);
  const all = (keyword: string) =>
    instructions.filter(([k]) => k === keyword).map(([, args]) => args);

  it("uses the official Deno image, pinned by version", () => {
    const [from] = all("FROM");
    assert.match(
      from,
      /^denoland\/deno:(debian-|alpine-|distroless-)?2\.9\.6$/,
    );
  });

  it("caches the connector at build time", () => {
    assert.ok(all("RUN").some((run) => /deno (cache|install)/.test(run)));
    const entrypoint = JSON.parse(all("ENTRYPOINT")[0]) as string[];
    assert.ok(entrypoint.includes("--cached-only"));
  });

  it("runs as the non-root user airbyte, with /airbyte writable", () => {
    assert.deepEqual(all("USER"), ["airbyte"]);
    const setup = all("RUN").join(" ");
    assert.match(setup, /useradd .*airbyte/);
    assert.match(setup, /mkdir -p \/airbyte/);
    assert.match(setup, /chown -R airbyte(:airbyte)? \/airbyte/);
  });

  it("sets AIRBYTE_ENTRYPOINT to the exec-form ENTRYPOINT, absolute paths, the CLI's flags", () => {
    const entrypoint = JSON.parse(all("ENTRYPOINT")[0]) as string[];
    const env = all("ENV").find((e) => e.startsWith("AIRBYTE_ENTRYPOINT="))!;
    assert.equal(
      env.slice("AIRBYTE_ENTRYPOINT=".length).replace(/^"|"$/g, ""),
      entrypoint.join(" "),
    );
    assert.ok(entrypoint[0].startsWith("/"));
    assert.ok(entrypoint.at(-1)!.startsWith("/"));
    assert.deepEqual(runtimeFlags(entrypoint), [...RUN_FLAGS]);
  });

  it("has metadata.yaml in Airbyte's format", () => {
    assert.equal(METADATA.metadataSpecVersion, "1.0");
    const data = METADATA.data;
    assert.match(
      data.definitionId,
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    assert.equal(data.connectorType, "source");
    assert.equal(data.connectorSubtype, "api");
    assert.ok(data.name && data.license && data.releaseStage);
    assert.match(data.documentationUrl, /^https:\/\//);
    assert.deepEqual(data.allowedHosts.hosts, ["api.aircall.io"]);
  });
});

describe("the README's Install section", () => {
  const readme = read("README.md");
  const start = readme.indexOf("\n## Install\n");
  const install = readme.slice(start, readme.indexOf("\n## ", start + 1));

  it("names exactly the binaries and the checksum file the release attaches, and how to verify them", () => {
    assert.ok(start >= 0, "README.md has no ## Install section");
    const named = new Set(install.match(/source-aircall-[a-z0-9_-]+(\.exe)?/g));
    const released = TARGETS.map((target) =>
      basename(compileArgs(target).at(-4)!)
    );
    assert.deepEqual([...named].sort(), released.sort());
    assert.ok(
      install.includes(
        `https://github.com/${OWNER}/${REPOSITORY}/releases/latest/download`,
      ),
    );
    for (
      const step of [
        `"$url/SHA256SUMS"`,
        "sha256sum -c --ignore-missing SHA256SUMS",
        `gh attestation verify "$file" --repo ${OWNER}/${REPOSITORY}`,
        `chmod +x "$file"`,
        `./"$file" spec`,
      ]
    ) assert.ok(install.includes(step), step);
  });

  it("names the npm package the release publishes, installed and run by npx", () => {
    assert.ok(install.includes(`npm install -g ${PACKAGE_JSON.name}\n`));
    assert.ok(install.includes(`npx ${PACKAGE_JSON.name} spec`));
  });

  it("names the image the release pushes, at deno.json's version, and how to add it to Airbyte", () => {
    const images = new Set(install.match(/ghcr\.io\/[\w./-]+(:[\w.]+)?/g));
    assert.deepEqual(
      [...images].sort(),
      [IMAGE, `${IMAGE}:${VERSION}`].sort(),
    );
    assert.ok(install.includes(`docker pull ${IMAGE}:${VERSION}\n`));
    assert.ok(install.includes(`docker run --rm ${IMAGE}:${VERSION} spec`));
    assert.match(install, /Add a new Docker connector/);
  });
});
