"""report.html opened in headless Chromium, as a reader would open it: no console error, every
image (plots and ladders, embedded) decodes, and a screenshot is kept for a person to look at
(in $SIPSIM_TEST_OUTPUT, else beside the report)."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import run_cli, trace_file

# Appended to a copy of the page (the report itself has no script): after the load, the title
# says how many images decoded and how many did not.
CHECK = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const broken = images.filter((i) => !(i.complete && i.naturalWidth > 0)).length;
  document.title = `IMAGES ${images.length} BROKEN ${broken}`;
});
</script>"""


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("no chromium: tools/test.sh installs Debian's chromium package")


def headless(*args):
    command = [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
               "--hide-scrollbars", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=180, check=False)


def test_report_html_of_overload_opens_cleanly_in_chromium(runs, tmp_path):
    directory = runs.run("overload-503", "outputs.messages=true")
    out = tmp_path / "report"
    result = run_cli("report", trace_file(directory), "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = out / "report.html"
    text = page.read_text(encoding="utf-8")
    # Self-contained: no file or network reference, images as data URIs.
    assert not re.search(r'(src|href)="(?!data:)', text)
    assert text.count('src="data:image/png;base64,') >= 3
    assert 'src="data:image/svg+xml;base64,' in text  # a failed call's ladder
    assert "busy-trunks.png" in text and "no data" in text  # left out, and said so
    checked = tmp_path / "checked.html"
    checked.write_text(text.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    dom = headless("--virtual-time-budget=5000", "--dump-dom", checked.as_uri())
    assert dom.returncode == 0, dom.stderr
    title = re.search(r"<title>(.*?)</title>", dom.stdout)
    assert title, dom.stdout[:500]
    counts = re.match(r"IMAGES (\d+) BROKEN (\d+)", title.group(1))
    assert counts, title.group(1)
    assert int(counts.group(1)) >= 4 and int(counts.group(2)) == 0, title.group(1)
    console = [line for line in dom.stderr.splitlines()
               if "CONSOLE" in line or "Failed to load resource" in line]
    assert console == [], console
    shots = os.environ.get("SIPSIM_TEST_OUTPUT") or str(out)
    os.makedirs(shots, exist_ok=True)
    shot = os.path.join(shots, "report-overload-503.png")
    picture = headless("--window-size=1200,3000", f"--screenshot={shot}", page.as_uri())
    assert picture.returncode == 0, picture.stderr
    with open(shot, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(shot) > 100000
