"""The README documents every column that `parbench schema` lists."""
import os
import subprocess
import sys

PARBENCH, SOURCE = sys.argv[1], sys.argv[2]
readme = open(os.path.join(SOURCE, "README.md"), encoding="utf-8").read()
schema = subprocess.run([PARBENCH, "schema"], capture_output=True, text=True, check=True).stdout
columns = [line.split("`")[1] for line in schema.splitlines() if line.startswith("| `")]
missing = [c for c in columns if f"`{c}`" not in readme]
for c in missing:
    print(f"README.md does not document the runs.csv column `{c}`", file=sys.stderr)
print(f"readme_columns: {len(columns)} checks, {len(missing)} failed")
sys.exit(1 if missing or not columns else 0)
