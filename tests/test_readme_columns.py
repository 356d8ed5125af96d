"""The README documents every column that `parbench schema` lists."""
import os
import subprocess
import sys

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]
readme = open(os.path.join(SOURCE, "README.md"), encoding="utf-8").read()
schema = subprocess.run([PARBENCH, "schema"], capture_output=True, text=True, check=True).stdout
columns = [line.split("`")[1] for line in schema.splitlines() if line.startswith("| `")]
missing = [c for c in columns if f"| `{c}` |" not in readme]
for c in missing:
    print(f"README.md does not document the column `{c}`", file=sys.stderr)
# every table of `parbench schema` appears in the README as it is
for table in schema.split("\n\n"):
    if table.startswith("| column |") and table.strip() not in readme:
        missing.append(table.splitlines()[2])
        print("README.md differs from `parbench schema` near: " + table.splitlines()[2], file=sys.stderr)
print(f"readme_columns: {len(columns)} checks, {len(missing)} failed")
sys.exit(1 if missing or not columns else 0)
