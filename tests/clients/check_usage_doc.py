"""check_usage_doc.py DOC REPO_ROOT

Every fenced code block in DOC that follows a line
"<!-- from PATH (ctest ...) -->" must be taken from PATH: each of its
non-blank lines, stripped, must be a line of PATH (stripped, or a substring
of one, so a block may show an argument list without its surroundings).
So the examples in docs/usage.md stay the code the tests run.
"""
import re
import sys


def blocks_with_sources(doc_text):
    source = None
    lines = iter(doc_text.splitlines())
    for line in lines:
        marker = re.match(r"<!-- from (\S+) ", line)
        if marker:
            source = marker.group(1)
        elif line.startswith("```") and source:
            block = []
            for body in lines:
                if body.startswith("```"):
                    break
                block.append(body)
            yield source, block
            source = None


def main(doc_path, root):
    failures = checked = 0
    for source, block in blocks_with_sources(open(doc_path).read()):
        source_lines = [line.strip() for line in open(f"{root}/{source}").read().splitlines()]
        for line in filter(None, (line.strip() for line in block)):
            checked += 1
            if not any(line in source_line for source_line in source_lines):
                failures += 1
                print(f"FAIL {doc_path}: not in {source}: {line}")
    print(f"{checked - failures} passed, {failures} failed")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
