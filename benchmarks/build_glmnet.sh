#!/usr/bin/env bash
# Build the Fortran glmnet (python-glmnet 2.2.1) for the benchmark, with its Poisson
# and Cox families (fishnet, coxnet) wrapped too (benchmarks/glmnet_fishnet.pyf,
# benchmarks/glmnet_coxnet.pyf).
# `pip install glmnet` fails under numpy 2 (its setup needs numpy.distutils), so this
# fetches the sdist with pip download, compiles glmnet5.f90 with f2py and puts the package's
# Python files beside the module in benchmarks/.peers/glmnet (ignored by git).
# Needs gfortran (Debian: apt-get install gfortran) and meson + ninja (pip, the bench extra).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/.peers/glmnet"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v gfortran >/dev/null || { echo "build_glmnet: gfortran not found (apt-get install gfortran)"; exit 1; }
# the sdist by package name through pip (whatever index pip is configured with); pip
# prepares its metadata by running its setup.py, which needs numpy.distutils: do that in a
# throwaway venv with numpy < 2 and an old setuptools, not in the benchmark's environment
python -m venv "$work/getter"
"$work/getter/bin/pip" install --quiet "numpy<2" "setuptools<60" wheel >"$work/pip.log" 2>&1 \
    && "$work/getter/bin/pip" download --quiet --no-deps --no-build-isolation \
        --no-binary glmnet glmnet==2.2.1 -d "$work" >>"$work/pip.log" 2>&1 \
    || { tail -5 "$work/pip.log"; echo "build_glmnet: pip could not fetch the glmnet 2.2.1 sdist"; exit 1; }
mv "$work"/glmnet-2.2.1.tar.gz "$work/glmnet.tar.gz"
tar -xzf "$work/glmnet.tar.gz" -C "$work"
src="$work/glmnet-2.2.1/glmnet"
# add the Poisson and Cox families (fishnet, coxnet), which python-glmnet leaves unwrapped
python - "$src/_glmnet.pyf" "$here/glmnet_fishnet.pyf" "$here/glmnet_coxnet.pyf" <<'PY'
import sys
pyf = sys.argv[1]
extra = "".join(open(path).read() for path in sys.argv[2:])
text = open(pyf).read()
at = text.rindex("    end interface")
open(pyf, "w").write(text[:at] + extra + text[at:])
PY
(cd "$work" && python -m numpy.f2py -c --backend meson "$src/_glmnet.pyf" "$src/src/glmnet/glmnet5.f90" \
    --f90flags="-ffixed-form -fdefault-real-8" --opt="-O3" >"$work/f2py.log" 2>&1) \
    || { tail -20 "$work/f2py.log"; exit 1; }
mkdir -p "$dest.tmp"
cp "$work"/_glmnet*.so "$dest.tmp/"
mkdir -p "$dest.tmp/glmnet"
cp "$src"/*.py "$dest.tmp/glmnet/"
# its __init__ asks pkg_resources (gone from recent setuptools) for the installed version,
# and it is not installed
sed -i -e '/^import pkg_resources$/d' \
    -e 's/^__version__ = pkg_resources.*/__version__ = "2.2.1"/' "$dest.tmp/glmnet/__init__.py"
rm -rf "$dest.old"; [ -d "$dest" ] && mv "$dest" "$dest.old"
mv "$dest.tmp" "$dest" && rm -rf "$dest.old"
echo "build_glmnet: built into $dest"
