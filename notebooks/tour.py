# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A tour of the gba-kg graph · 知识图谱导览
#
# This notebook builds the graph from the curated facts in `data/` through the library API,
# asks it some saved questions, and analyses its network of entities with networkx: the most
# central entities, who co-builds what with whom, the shortest chains between two entities,
# and communities of closely linked projects. Figures carry zh and en labels.
#
# Run it top to bottom from a clean kernel (`make setup` installs what it needs; `make fonts`
# installs the CJK font the figures use). It writes into `build/` (or `$KG_BUILD`): the
# graph, the network explorer, the coverage page and the figures as PNG.

# %%
import os
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are saved as PNG and shown inline; no display needed
import matplotlib.pyplot as plt
import networkx as nx
from IPython.display import HTML, Image, display
from matplotlib import font_manager

import kg
from kg.explorer.network import network_graph
from kg.sparql.query import saved_questions
from kg.sparql.results import render_table

STARTED = time.perf_counter()


def find_root(start: Path) -> Path:
    """The gba-kg checkout that holds `start`: the folder with pyproject.toml and data/."""
    for folder in [start, *start.parents]:
        project = folder / "pyproject.toml"
        if project.is_file() and 'name = "gba-kg"' in project.read_text(encoding="utf-8"):
            if (folder / "data").is_dir():
                return folder
    raise SystemExit(f"no gba-kg checkout above {start}: run the notebook inside the repository")


HERE = Path.cwd().resolve()  # the notebook's folder: the links at the end are relative to it
ROOT = find_root(HERE)
BUILD = Path(os.environ.get("KG_BUILD", ROOT / "build")).resolve()
# Work from the repository, as `kg build` does: the outputs name each fact's YAML file by
# the path the build was given (`data/places.yaml:12`), never by a path of this machine.
os.chdir(ROOT)
DATA = Path("data")
FIGURES = BUILD / "figures"
FIGURES.mkdir(parents=True, exist_ok=True)
print("repository:", ROOT)
print("outputs:   ", BUILD)

# %% [markdown]
# ## A CJK font for the figures · 中文字体
#
# matplotlib's default font has no Chinese characters. We look for one of the usual CJK fonts
# (Debian's `fonts-noto-cjk` gives Noto Sans CJK SC); without one, Chinese labels show as
# boxes, and we say so.

# %%
CJK_FONTS = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
]
installed = {f.name for f in font_manager.fontManager.ttflist}
CJK_FONT = next((name for name in CJK_FONTS if name in installed), None)
if CJK_FONT:
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [CJK_FONT, "DejaVu Sans"]
    print("CJK font:", CJK_FONT)
else:
    print(
        "WARNING: no CJK font found; Chinese labels will show as boxes. "
        "Install one with `make fonts` (Debian: apt-get install fonts-noto-cjk)."
    )
plt.rcParams["axes.unicode_minus"] = False
plt.rcParams["figure.dpi"] = 100


def show(fig: plt.Figure, name: str) -> None:
    """Save `fig` as build/figures/NAME.png and show that PNG inline."""
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    display(Image(filename=str(path)))


# %% [markdown]
# ## Build the graph · 构建图谱
#
# `kg.build` checks every fact (YAML, ontology, quotes against the source text, SHACL shapes,
# rule queries) and writes the graph in every format. `kg.stats` and `kg.coverage` count what
# it holds and how much of the interview it quotes.

# %%
result = kg.build(DATA, BUILD)
summary = result.summary
print(
    f"{summary['entities']} entities, {summary['statements']} statements, "
    f"{summary['triples']} triples"
)
coverage = kg.coverage(result)
print("coverage:", coverage.summary_line())
stats = kg.stats(result)
print("orphans:", [o["id"] for o in stats.orphans])
for name, counts in list(stats.per_class.items())[:8]:
    print(f"  {name:<16} {counts['entities']:>3} entities  {counts['statements']:>3} statements")

# %% [markdown]
# ## Saved questions · 预设问题
#
# The questions in `queries/*.rq` run on the built graph with `kg.query`; parameters are bound
# as RDF terms.

# %%
for name, question in sorted(saved_questions().items())[:6]:
    print(f"{name:<22} {question.title('en')} · {question.title('zh')}")
print("…", len(saved_questions()), "saved questions in all")

# %%
answer = kg.query("co-built", {"city": "guangzhou", "partner": "shenzhen"}, build_dir=BUILD)
print(f"Guangzhou and Shenzhen co-build {len(answer.rows)} things; the first ten:")
answer.rows = answer.rows[:10]
print(render_table(answer, width=140))

# %%
answer = kg.query("links-of-place", {"place": "shenzhen"}, build_dir=BUILD)
print(render_table(answer, width=140))

# %% [markdown]
# ## The entity network · 实体网络
#
# `kg.explorer.network.network_graph` turns the graph into a networkx multigraph: entities are nodes,
# relations between entities are edges (values such as amounts and dates are not). For
# centrality and paths we use the simple undirected graph.

# %%
net = network_graph(result.graph, result.schema)
G = nx.Graph(net.to_undirected())
print(G.number_of_nodes(), "entities,", G.number_of_edges(), "linked pairs")


def name(node: str) -> str:
    """zh and en label of an entity."""
    attrs = net.nodes[node]
    return f"{attrs['label_zh']} · {attrs['label_en']}"


def short(node: str, width: int = 28) -> str:
    """A label short enough for an axis: zh, then en cut to `width`."""
    attrs = net.nodes[node]
    en = attrs["label_en"]
    return f"{attrs['label_zh']}\n{en if len(en) <= width else en[: width - 1] + '…'}"


# %% [markdown]
# ### The most central entities · 最核心的实体
#
# Degree counts an entity's direct links; betweenness counts how many shortest chains pass
# through it, so it finds the entities that hold the network together.

# %%
degree = dict(G.degree())
betweenness = nx.betweenness_centrality(G)
top = sorted(G, key=lambda n: (-betweenness[n], n))[:15]
for node in top:
    print(f"{betweenness[node]:.3f}  degree {degree[node]:>3}  {name(node)}")

# %%
fig, ax = plt.subplots(figsize=(9, 8))
values = [betweenness[n] for n in reversed(top)]
colors = ["#4e79a7" if net.nodes[n]["kind"] == "Place" else "#f28e2b" for n in reversed(top)]
ax.barh(range(len(top)), values, color=colors)
ax.set_yticks(range(len(top)), [short(n) for n in reversed(top)], fontsize=8)
ax.set_xlabel("介数中心性 · betweenness centrality")
ax.set_title("最核心的15个实体 · The 15 most central entities")
for i, n in enumerate(reversed(top)):
    ax.text(values[i], i, f" {degree[n]}", va="center", fontsize=8, color="#555")
ax.text(
    1.0,
    -0.1,
    "蓝色:地点 blue: places · 数字:度数 numbers: degree",
    transform=ax.transAxes,
    ha="right",
    va="top",
    fontsize=8,
    color="#555",
)
show(fig, "centrality")

# %% [markdown]
# ### Who co-builds what with whom · 谁与谁共建什么
#
# `co-built-by` links a project or initiative to the parties that build it together;
# `cooperation-area` to the area of co-operation it is listed under.

# %%
builders: dict[str, set[str]] = defaultdict(set)
areas: dict[str, str] = {}
for u, v, key in net.edges(keys=True):
    if key == "co-built-by":
        builders[u].add(v)
    elif key == "cooperation-area":
        areas[u] = v
pairs = Counter(pair for parties in builders.values() for pair in combinations(sorted(parties), 2))
print(len(builders), "things are co-built; by pair of partners:")
for (a, b), count in pairs.most_common():
    print(f"  {count:>3}  {name(a)}  +  {name(b)}")
area_counts = Counter(
    (areas.get(thing, ""), builder) for thing, bs in builders.items() for builder in bs
)

# %%
area_ids = sorted({a for a, _ in area_counts}, key=lambda a: (a == "", a))
builder_ids = sorted({b for _, b in area_counts}, key=lambda b: (-degree[b], b))
matrix = [[area_counts.get((a, b), 0) for b in builder_ids] for a in area_ids]
fig, ax = plt.subplots(figsize=(2.2 + 1.4 * len(builder_ids), 1.2 + 0.75 * len(area_ids)))
image = ax.imshow(matrix, cmap="YlOrBr")
ax.set_xticks(range(len(builder_ids)), [short(b, 16) for b in builder_ids], fontsize=9)
ax.set_yticks(
    range(len(area_ids)),
    [short(a, 40) if a else "未列明领域\nno area listed" for a in area_ids],
    fontsize=8,
)
for i, row in enumerate(matrix):
    for j, value in enumerate(row):
        ax.text(
            j,
            i,
            str(value),
            ha="center",
            va="center",
            fontsize=9,
            color="white" if value > max(map(max, matrix)) / 2 else "black",
        )
ax.set_title("共建项目:合作领域 × 共建方\nCo-built projects: area of co-operation × partner")
fig.colorbar(image, ax=ax, shrink=0.6, label="项目数 · projects")
show(fig, "co-building")

# %% [markdown]
# ### Shortest chains between two entities · 两个实体之间的最短路径
#
# How does the interviewee connect to Shenzhen's airport, and Nansha Science City to
# Guangming Science City? Each step names the relation (in the direction it was stated).


# %%
def chain(source: str, target: str) -> None:
    path = nx.shortest_path(G, source, target)
    print(f"{name(source)}  →  {name(target)}: {len(path) - 1} steps")
    for a, b in nx.utils.pairwise(path):
        keys = net.get_edge_data(a, b) or {}
        arrow = "→"
        if not keys:
            keys, arrow = net.get_edge_data(b, a) or {}, "←"
        relation = ", ".join(f"{d['label_zh']} {d['label_en']}" for d in keys.values())
        print(
            f"    {net.nodes[a]['label_zh']} {arrow}[{relation}]{arrow} {net.nodes[b]['label_zh']}"
        )


chain("zhang-shuofu", "shenzhen-baoan-airport")
chain("nansha-science-city", "guangming-science-city")

# %% [markdown]
# ### Communities of closely linked projects · 紧密相连的项目群
#
# Guangzhou and Shenzhen link to almost everything, so we set the two cities aside and let
# Louvain modularity (seeded, so the result is the same every run) group the rest. Each
# community lists its projects, initiatives and infrastructure first.

# %%
hubs = {"guangzhou", "shenzhen"}
rest = G.subgraph(n for n in G if n not in hubs)
communities = sorted(
    (c for c in nx.community.louvain_communities(rest, seed=7) if len(c) >= 4),
    key=lambda c: (-len(c), sorted(c)),
)
BUILT = {"Project", "Initiative", "Infrastructure", "IndustryCluster"}
for i, members in enumerate(communities[:8], start=1):
    ranked = sorted(members, key=lambda n: (net.nodes[n]["kind"] not in BUILT, -degree[n], n))
    print(
        f"{i}. {len(members)} entities, around {name(max(members, key=lambda n: (degree[n], n)))}"
    )
    print("   ", "、".join(net.nodes[n]["label_zh"] for n in ranked[:8]))

# %%
shown = communities[:8]
sub = rest.subgraph(n for c in shown for n in c)
position = nx.spring_layout(sub, seed=7, k=0.35, iterations=80)
palette = plt.get_cmap("tab10")
fig, ax = plt.subplots(figsize=(12, 11))
for i, members in enumerate(shown):
    nodes = sorted(members)
    nx.draw_networkx_nodes(
        sub,
        position,
        nodelist=nodes,
        node_color=[palette(i)] * len(nodes),
        node_size=[30 + 12 * degree[n] for n in nodes],
        alpha=0.85,
        ax=ax,
        label=f"{i + 1}: "
        + short(max(members, key=lambda n: (degree[n], n)), 30).replace("\n", " · "),
    )
nx.draw_networkx_edges(sub, position, alpha=0.25, width=0.7, ax=ax)
labelled = {
    n: net.nodes[n]["label_zh"] for c in shown for n in sorted(c, key=lambda n: (-degree[n], n))[:2]
}
nx.draw_networkx_labels(
    sub,
    position,
    labels=labelled,
    font_size=8,
    font_family=plt.rcParams["font.sans-serif"][0],
    ax=ax,
)
ax.set_title(
    "项目群(除广州、深圳外)· Communities of linked entities (Guangzhou and Shenzhen set aside)"
)
ax.legend(
    loc="upper center",
    bbox_to_anchor=(0.5, 0.0),
    ncol=2,
    fontsize=8,
    markerscale=0.6,
    title="社区 · community (largest hub)",
)
ax.axis("off")
show(fig, "communities")

# %% [markdown]
# ## How much of the interview is curated · 原文覆盖情况

# %%
(source,) = coverage.sources
fig, ax = plt.subplots(figsize=(8, 3.6))
labels = [f"{s.name_zh}\n{s.name_en}" for s in source.sections]
ax.bar(
    labels,
    [s.sentences for s in source.sections],
    color="#e0e0e0",
    label="实质性句子 substantive sentences",
)
ax.bar(
    labels, [s.covered for s in source.sections], color="#f1c232", label="已引用 quoted by a fact"
)
for i, s in enumerate(source.sections):
    ax.text(i, s.sentences, f"{s.share:.0%}", ha="center", va="bottom", fontsize=9)
ax.set_ylabel("句数 · sentences")
ax.set_ylim(0, max(s.sentences for s in source.sections) * 1.3)
ax.set_title(f"各部分覆盖率 · Coverage by section ({coverage.summary_line()})", fontsize=10)
ax.legend(fontsize=8, loc="upper left", ncol=2)
show(fig, "coverage")

# %% [markdown]
# ## The explorer and the coverage page · 交互式浏览
#
# `kg build` wrote the whole network as `network.html`; `kg.view` writes the part around one
# entity. Both open offline in a browser. The coverage page highlights every quoted passage
# of the interview and links it to its facts.

# %%
focus = kg.view(result, BUILD / "shenzhen.html", focus="shenzhen", depth=1)
page = kg.coverage_page(coverage, BUILD / "coverage.html")
links = [
    ("network.html", "the whole network · 整个网络"),
    (focus.name, "Shenzhen and its neighbours · 深圳及其相邻实体"),
    (page.name, "source coverage · 原文覆盖"),
]
display(
    HTML(
        "<ul>"
        + "".join(
            f'<li><a href="{os.path.relpath(BUILD / f, HERE)}" target="_blank">{text}</a> '
            f"<code>{BUILD / f}</code></li>"
            for f, text in links
        )
        + "</ul>"
    )
)

# %%
print(f"the tour ran in {time.perf_counter() - STARTED:.1f} s")
