// walsafe installed without its platform package (npm install
// --omit=optional): every entry point says which package to install.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const walsafe = require('walsafe');

const expectMissing = (error) => {
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'WALSAFE_PLATFORM_PACKAGE_MISSING');
  assert.equal(error.packageName, `walsafe-${process.platform}-${process.arch}`);
  assert.match(error.message, /the platform package walsafe-linux-x64 is not installed/);
  assert.match(error.message, /npm install walsafe-linux-x64/);
  return true;
};

test('getLoadablePath() without walsafe-linux-x64 names the package to install', () => {
  assert.throws(() => walsafe.getLoadablePath(), expectMissing);
});

test('load(db) without walsafe-linux-x64 throws the same Error and loads nothing', () => {
  const loaded = [];
  const fakeDb = { prepare() { throw new Error('no such function: walsafe_config'); }, loadExtension: (p) => loaded.push(p) };
  assert.throws(() => walsafe.load(fakeDb), expectMissing);
  assert.deepEqual(loaded, []);
});
