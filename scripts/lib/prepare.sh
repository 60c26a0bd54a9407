# Sourced by the npm scripts that need Flow's toolchain and stack. It installs the npm dependencies
# on a fresh clone, because Node.js 24 comes from the `node` devDependency. Then it puts
# node_modules/.bin first on the PATH, starts the local stack and exports its .stack/env variables.
# The caller has already changed to the repository root.

if [[ ! -x node_modules/.bin/node ]]; then
  echo "node_modules/.bin/node is missing; running npm ci"
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"

bash deploy/local/stack.sh up

# stack.sh writes NAME=value lines without `export`, so allexport makes them reach child processes.
set -a
# shellcheck source=/dev/null
. .stack/env
set +a
