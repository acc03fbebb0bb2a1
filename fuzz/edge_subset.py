#!/usr/bin/env python3
# Picks at most LIMIT corpus inputs keeping the most coverage edges, from a libFuzzer merge
# control file. Usage, from the repository root:
#   fuzz/target/x86_64-unknown-linux-gnu/release/T -merge=1 -merge_control_file=/tmp/T.ctl /tmp/T.min fuzz/corpus/T
#   python3 fuzz/edge_subset.py /tmp/T.ctl unused OUT_DIR 300 [seed file names to always keep...]
# Greedy edge set-cover over a libFuzzer merge control file: the fewest inputs that keep every
# coverage edge the full corpus reaches (smaller files win ties), plus the named seeds.
import sys, os, shutil
ctl, corpus, out = sys.argv[1], sys.argv[2], sys.argv[3]
limit = int(sys.argv[4]); keep = set(sys.argv[5:])
lines = open(ctl).read().split('\n')
nfiles = int(lines[0]); files = lines[2:2+nfiles]
cov = {}
for l in lines[2+nfiles:]:
    p = l.split()
    if p and p[0] == 'COV':
        cov[int(p[1])] = set(p[2:])
all_edges = set().union(*cov.values()) if cov else set()
size = {i: os.path.getsize(files[i]) for i in cov}
chosen = set(i for i in cov if os.path.basename(files[i]) in keep)
covered = set().union(*(cov[i] for i in chosen)) if chosen else set()
while covered != all_edges and len(chosen) < limit:
    best = max((i for i in cov if i not in chosen), key=lambda i: (len(cov[i] - covered), -size[i]))
    if not cov[best] - covered: break
    chosen.add(best); covered |= cov[best]
os.makedirs(out, exist_ok=True)
for i in chosen:
    shutil.copy(files[i], os.path.join(out, os.path.basename(files[i])))
print(f"{len(chosen)} files, {sum(size[i] for i in chosen)} bytes, {len(covered)}/{len(all_edges)} edges")
