"""check_wheels.py WHEEL...

The guards against the usual failures of binary wheels (issue 9, section 4),
run on the wheels as built (scripts/build-packages.sh) and again by the
tests. For each wheel:

- its file name's tag, its WHEEL file's Tag lines and the binary inside
  agree: a manylinux_*_x86_64 wheel carries walsafe/libwalsafe.so, an ELF
  x86-64 shared object, and no DLL; a win_amd64 wheel carries
  walsafe/walsafe.dll, a PE32+ x86-64 DLL, and no .so;
- libwalsafe.so needs no symbol version newer than the glibc of its
  manylinux tag (2.17) and links only libraries every manylinux system has;
- walsafe.dll imports only system DLLs (KERNEL32, msvcrt: no
  libgcc_s_seh-1.dll or libwinpthread-1.dll to go missing on a user's
  machine) and exports only sqlite3_walsafe_init;
- the .pth start-up hook sits at the wheel's root, the pytest11 entry
  point is declared, and nothing compiled for a Python ABI is inside.

Prints one line per check; exits 1 if any fails.
"""
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
import os

# ld-linux-x86-64.so.2: the dynamic linker itself (__tls_get_addr, for thread-local storage).
MANYLINUX_NEEDED = {"ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1"}
WINDOWS_DLLS = {"kernel32.dll", "msvcrt.dll"}
EXPORTS = {"sqlite3_walsafe_init"}

failures = 0


def check(ok, what):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures += 1
    return ok


def elf_machine(data):
    """('x86_64' | other, is 64-bit) from an ELF header, or None."""
    if data[:4] != b"\x7fELF":
        return None
    machine = struct.unpack_from("<H", data, 18)[0]
    return {0x3E: "x86_64", 0xB7: "aarch64", 0x03: "i386"}.get(machine, hex(machine)) + (
        "" if data[4] == 2 else "/32-bit")


def pe_machine(data):
    if data[:2] != b"MZ":
        return None
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        return None
    machine = struct.unpack_from("<H", data, pe + 4)[0]
    return {0x8664: "x86_64", 0x14C: "i386", 0xAA64: "aarch64"}.get(machine, hex(machine))


def objdump(tool, *args):
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def check_so(path, max_glibc):
    out = objdump("objdump", "-T", path)
    versions = sorted({tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_([0-9.]+)\)?\s", out)})
    newest = versions[-1] if versions else (0,)
    too_new = sorted({line.split()[-1] for line in out.splitlines()
                      if any(f"GLIBC_{'.'.join(map(str, v))}" in line for v in versions if v > max_glibc)})
    check(newest <= max_glibc, f"libwalsafe.so needs glibc {'.'.join(map(str, newest))} <= "
          f"{'.'.join(map(str, max_glibc))}{' (too new: ' + ', '.join(too_new) + ')' if too_new else ''}")
    needed = set(re.findall(r"NEEDED\s+(\S+)", objdump("objdump", "-p", path)))
    check(needed <= MANYLINUX_NEEDED, f"libwalsafe.so links only {sorted(needed)} (manylinux allows {sorted(MANYLINUX_NEEDED)})")


def check_dll(path):
    out = objdump("x86_64-w64-mingw32-objdump", "-p", path)
    imports = {name.lower() for name in re.findall(r"DLL Name:\s*(\S+)", out)}
    check(imports and imports <= WINDOWS_DLLS, f"walsafe.dll imports only system DLLs: {sorted(imports)}")
    exports = set()
    if "[Ordinal/Name Pointer] Table" in out:
        for line in out.split("[Ordinal/Name Pointer] Table", 1)[1].splitlines()[1:]:
            found = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s*$", line)
            if not found:
                break
            exports.add(found.group(1))
    check(exports == EXPORTS, f"walsafe.dll exports exactly {sorted(EXPORTS)}: {sorted(exports)}")


def check_wheel(wheel_path):
    name = os.path.basename(wheel_path)
    match = re.match(r"^walsafe-[^-]+-(py3)-(none)-([^.]+(?:\.[^.]+)*)\.whl$", name)
    if not check(match is not None, f"{name}: file name is walsafe-<version>-py3-none-<platform>.whl"):
        return
    platforms = match.group(3).split(".")
    with zipfile.ZipFile(wheel_path) as zf:
        names = zf.namelist()
        wheel_meta = next((n for n in names if n.endswith(".dist-info/WHEEL")), None)
        tags = re.findall(r"^Tag:\s*(\S+)", zf.read(wheel_meta).decode(), re.M) if wheel_meta else []
        check(sorted(tags) == sorted(f"py3-none-{p}" for p in platforms),
              f"{name}: WHEEL Tag lines {tags} match the file name")
        check("walsafe-autoload.pth" in names, f"{name}: walsafe-autoload.pth at the wheel's root")
        entry_points = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        check(entry_points is not None and "[pytest11]" in zf.read(entry_points).decode()
              and "walsafe = walsafe.pytest_plugin" in zf.read(entry_points).decode(),
              f"{name}: pytest11 entry point walsafe = walsafe.pytest_plugin")
        compiled = [n for n in names if n.endswith((".pyd", ".pyc")) or re.search(r"\.cpython-|\.abi3\.", n)]
        check(not compiled, f"{name}: nothing built for a Python ABI inside {compiled}")
        binaries = [n for n in names if n.endswith((".so", ".dll", ".dylib"))]
        linux = [p for p in platforms if p.startswith(("manylinux", "linux"))]
        windows = [p for p in platforms if p.startswith("win")]
        if linux:
            check(all(p.endswith("_x86_64") for p in linux) and not windows,
                  f"{name}: Linux x86_64 tags only {platforms}")
            check(binaries == ["walsafe/libwalsafe.so"], f"{name}: carries walsafe/libwalsafe.so only: {binaries}")
            if "walsafe/libwalsafe.so" in names:
                data = zf.read("walsafe/libwalsafe.so")
                check(elf_machine(data) == "x86_64", f"{name}: libwalsafe.so is ELF {elf_machine(data)}, tag says x86_64")
                glibc = min(tuple(int(x) for x in re.match(r"manylinux_(\d+)_(\d+)_", p).groups())
                            for p in linux if re.match(r"manylinux_\d+_\d+_", p)) if any(
                    re.match(r"manylinux_\d+_\d+_", p) for p in linux) else (2, 17)
                with tempfile.TemporaryDirectory() as tmp:
                    so = os.path.join(tmp, "libwalsafe.so")
                    open(so, "wb").write(data)
                    check_so(so, glibc)
        elif windows:
            check(platforms == ["win_amd64"], f"{name}: win_amd64 only {platforms}")
            check(binaries == ["walsafe/walsafe.dll"], f"{name}: carries walsafe/walsafe.dll only: {binaries}")
            if "walsafe/walsafe.dll" in names:
                data = zf.read("walsafe/walsafe.dll")
                check(pe_machine(data) == "x86_64", f"{name}: walsafe.dll is PE {pe_machine(data)}, tag win_amd64 says x86_64")
                with tempfile.TemporaryDirectory() as tmp:
                    dll = os.path.join(tmp, "walsafe.dll")
                    open(dll, "wb").write(data)
                    check_dll(dll)
        else:
            check(False, f"{name}: unknown platform tag {platforms}")


def main(paths):
    if not paths:
        print("usage: check_wheels.py WHEEL...", file=sys.stderr)
        return 2
    for path in paths:
        check_wheel(path)
    print(f"check_wheels: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
