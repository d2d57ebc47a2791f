// bin/setup.sh on a faked bare machine: a PATH of stand-ins for dpkg-query, apt-get, id and sudo (which
// record what they are asked and install nothing), a release file, an apt folder and a /dev in a temporary
// folder. What is checked: it installs exactly the missing packages, and only where it may; it says what to
// run where it may not; it leaves a machine with a GPU, or with the packages, alone.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Machine {
  mesa?: string; // installed mesa-vulkan-drivers version, none when absent
  chromium?: boolean;
  uid?: number;
  sudo?: boolean; // passwordless sudo
  gpu?: boolean; // a /dev/dri/renderD128
  release?: string; // /etc/os-release
  backports?: boolean; // bookworm-backports already in the apt sources
}

const BOOKWORM = 'ID=debian\nVERSION_CODENAME=bookworm\n';

function run(m: Machine, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 't2lab-setup-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  mkdirSync(join(dir, 'apt', 'sources.list.d'), { recursive: true });
  writeFileSync(
    join(dir, 'apt', 'sources.list'),
    `deb http://deb.debian.org/debian bookworm main\n${m.backports ? 'deb http://deb.debian.org/debian bookworm-backports main\n' : ''}`,
  );
  mkdirSync(join(dir, 'dev', 'dri'), { recursive: true });
  if (m.gpu) writeFileSync(join(dir, 'dev', 'dri', 'renderD128'), '');
  writeFileSync(join(dir, 'os-release'), m.release ?? BOOKWORM);
  const log = join(dir, 'calls.log');
  const state = join(dir, 'mesa');
  if (m.mesa) writeFileSync(state, m.mesa);
  for (const tool of ['bash', 'grep', 'ls', 'head', 'sed', 'cat', 'touch', 'env']) {
    const real = spawnSync('bash', ['-c', `command -v ${tool}`], {
      encoding: 'utf8',
    }).stdout.trim();
    symlinkSync(real, join(bin, tool));
  }
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script('dpkg-query', `[ -s ${state} ] && cat ${state} || exit 1`);
  // apt-get "installs" by recording the call; a mesa install from backports brings Mesa 25, from bookworm 22.
  script(
    'apt-get',
    `echo "apt-get $*" >> ${log}
case "$*" in *bookworm-backports*mesa-vulkan-drivers*) echo 25.0.7-2~bpo12+1 > ${state};; *mesa-vulkan-drivers*) echo 22.3.6-1+deb12u1 > ${state};; esac
case "$*" in *chromium*) touch ${join(dir, 'chromium-installed')};; esac`,
  );
  script('id', `echo ${m.uid ?? 0}`);
  if (m.sudo)
    script(
      'sudo',
      `[ "$1" = -n ] && [ "$2" = true ] && exit 0; echo "sudo $*" >> ${log}; shift; env "$@"`,
    );
  if (m.chromium) script('chromium', 'exit 0');
  const r = spawnSync(join(bin, 'bash'), ['bin/setup.sh', ...args], {
    encoding: 'utf8',
    env: {
      PATH: bin,
      T2LAB_SETUP_APT_DIR: join(dir, 'apt'),
      T2LAB_SETUP_DEV: join(dir, 'dev'),
      T2LAB_SETUP_OS_RELEASE: join(dir, 'os-release'),
    },
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { status: r.status, out: r.stdout + r.stderr, calls, dir };
}

describe('bin/setup.sh', () => {
  it('leaves a machine that has both packages alone', () => {
    const r = run({ mesa: '25.0.7-2~bpo12+1', chromium: true, uid: 1000 });
    expect(r.status).toBe(0);
    expect(r.out).toMatch(
      /lavapipe \(Mesa 25\.0\.7-2~bpo12\+1\) and chromium are installed; nothing to do/,
    );
    expect(r.calls).toEqual([]);
    expect(run({ mesa: '24.2.8-1', chromium: true }, '--check').status).toBe(0);
  });

  it('leaves a machine with a GPU alone, even without the software driver', () => {
    const r = run({ gpu: true, uid: 0 });
    expect(r.status).toBe(0);
    expect(r.out).toMatch(
      /has a GPU \(.*renderD128\); its drivers are left alone, nothing installed/,
    );
    expect(r.out).toMatch(/browser tests need Chromium/);
    expect(r.calls).toEqual([]);
    expect(run({ gpu: true }, '--check').status).toBe(0);
  });

  it('as root on a bare Debian 12: adds bookworm-backports, installs lavapipe from it and chromium, saying each step', () => {
    const r = run({ mesa: '22.3.6-1+deb12u1', uid: 0 });
    expect(r.status, r.out).toBe(0);
    expect(readFileSync(join(r.dir, 'apt', 'sources.list.d', 't2lab-backports.list'), 'utf8')).toBe(
      'deb http://deb.debian.org/debian bookworm-backports main\n',
    );
    expect(r.calls).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers',
      'apt-get install -y -qq chromium',
    ]);
    expect(r.out).toMatch(
      /missing lavapipe \(mesa-vulkan-drivers >= 24; installed: 22\.3\.6-1\+deb12u1\) and chromium: installing/,
    );
    expect(r.out).toMatch(/\+ apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers/);
    expect(r.out).toMatch(/ready: lavapipe \(Mesa 25\.0\.7-2~bpo12\+1\)/);
  });

  it('with passwordless sudo: installs only what is missing, through sudo, and keeps existing backports', () => {
    const r = run({ chromium: true, uid: 1000, sudo: true, backports: true });
    expect(r.status, r.out).toBe(0);
    expect(existsSync(join(r.dir, 'apt', 'sources.list.d', 't2lab-backports.list'))).toBe(false);
    expect(r.calls).toEqual([
      'sudo DEBIAN_FRONTEND=noninteractive bash -c apt-get update -qq',
      'apt-get update -qq',
      'sudo DEBIAN_FRONTEND=noninteractive bash -c apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers',
      'apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers',
    ]);
    expect(run({ chromium: true, uid: 1000, sudo: true }, '--check').status).toBe(1);
  });

  it('without root or sudo: installs nothing and prints exactly what to run', () => {
    const r = run({ uid: 1000 });
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.out).toMatch(/needs root or passwordless sudo/);
    expect(r.out).toContain("echo 'deb http://deb.debian.org/debian bookworm-backports main' >");
    expect(r.out).toContain('apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers');
    expect(r.out).toContain('apt-get install -y -qq chromium');
    expect(r.out).toContain('sudo bash bin/setup.sh');
    expect(run({ uid: 1000 }, '--check')).toMatchObject({ status: 2, out: '' });
    // npm test's pretest: the same message, and the tests still run (their GPU parts skip loudly).
    const auto = run({ uid: 1000 }, '--auto');
    expect(auto.status).toBe(0);
    expect(auto.out).toMatch(/needs root or passwordless sudo/);
  });

  it('on a system without apt: installs nothing and says what to install', () => {
    const r = run({ uid: 0, release: 'ID=fedora\nVERSION_CODENAME=\n' });
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.out).toMatch(/not a Debian system with apt-get, so nothing was installed/);
  });

  it('refuses an unknown option', () => {
    const r = run({}, '--yes');
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/unknown option '--yes'/);
  });
});
