"""Local mirrors of the sites each shipped template is for, built from real documents, and the
documents a crawl of each should find (every field a test checks).

- fujian_trs: the sample site (a Fujian TRS portal) listed through the platform's JSON search
  interface; expected fields from content/documents.toml, the sample site's own source.
- govcn_2019: the fifteen real gov.cn pages of corpus/govcn-2019, byte-exact, wrapped into full
  pages at their real paths, with a paged list.
- govcn_current: the same real texts in the current 政策文件库 template, with a 政策解读 column
  whose pages live outside it.
- generic: a county site with only the standard meta tags and a cluttered layout.
- hanweb: a site of another platform (Hanweb 大汉 style: /art/…/art_N_M.html, div#zoom, a
  GBK page without a charset, list paging by query string) that tests add by configuration only.
- large: thousands of generated pages, for bench/crawl."""
from __future__ import annotations

import json
import random
import re
import shutil
from html import escape
from pathlib import Path

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
GOVCN = CORPUS / "govcn-2019"
COLUMN_NAMES = {"zcwj": "政策文件", "zcjd": "政策解读", "tzgg": "通知公告"}
COLUMN_KINDS = {"zcwj": "policy", "zcjd": "interpretation", "tzgg": "notice"}
TRS_CHANNELS = {"zcwj": 1001, "zcjd": 1002, "tzgg": 1003}


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def _page(title: str, head: str, body: str, charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<!DOCTYPE html>\n<html><head>{meta}<title>{escape(title)}</title>{head}</head>\n<body>\n{body}\n</body></html>\n"


def _list_page(title: str, links: list[tuple[str, str]], pager: str = "") -> str:
    items = "\n".join(f'<li><a href="{href}">{escape(text)}</a></li>' for href, text in links)
    return _page(title, "", f'<div class="nav"><a href="/">首页</a></div><h2>{escape(title)}</h2>\n<ul class="list">\n{items}\n</ul>{pager}')


# ---- fujian_trs -----------------------------------------------------------------------------

def build_fujian_trs(root: Path, page_size: int = 10) -> list[dict]:
    """The sample site's files, plus the JSON search interface listing its documents by channel."""
    from sample_site.build import load_pages  # the sample site's own source of truth

    shutil.copytree(HERE / "www", root, dirs_exist_ok=True)
    documents = load_pages()
    expected = []
    for column, channel in TRS_CHANNELS.items():
        records = []
        for doc in (d for d in documents if d.column == column):
            path = doc.href.lstrip("/")
            records.append({
                "_doctitle": doc.title, "idxid": doc.index_number, "puborg": doc.publisher,
                "fileno": doc.doc_number, "pubdate": doc.published, "docreltime": doc.published,
                "docpuburl": doc.href, "chnlname": COLUMN_NAMES[column],
            })
            stated = {"title": doc.title, "doc_number": doc.doc_number, "index_number": doc.index_number,
                      "publisher": doc.publisher, "written_date": doc.written, "published_at": doc.published,
                      "domains_as_written": doc.domains}
            expected.append({"path": path, "kind": COLUMN_KINDS[column], "column": COLUMN_NAMES[column],
                             **{k: v for k, v in stated.items() if v}})
        pages = [records[i:i + page_size] for i in range(0, len(records), page_size)]
        for number, chunk in enumerate(pages, start=1):
            answer = {"success": True, "total": len(records), "page": number, "data": chunk}
            _write(root / f"ssp/search/api/search@channelid={channel}&page={number}&size={page_size}",
                   json.dumps(answer, ensure_ascii=False))
        _write(root / f"ssp/search/api/search@channelid={channel}&page={len(pages) + 1}&size={page_size}",
               json.dumps({"success": False, "msg": "没有更多数据"}, ensure_ascii=False))
    return expected


# ---- gov.cn ---------------------------------------------------------------------------------

def govcn_pages() -> list[tuple[str, bytes]]:
    """(real path, page fragment bytes) of the fifteen gov.cn pages, newest first."""
    urls = json.loads((GOVCN / "urls.json").read_text(encoding="utf-8"))
    return [(u["url"].split("www.gov.cn/", 1)[1], (GOVCN / u["file"]).read_bytes()) for u in urls]


def build_govcn_2019(root: Path, page_size: int = 8) -> None:
    """Each real fragment, unchanged, inside a full page at its real path; a paged list.
    Expected documents: tests/data/mirrors/govcn_2019.json (read off the pages' own tables)."""
    pages = govcn_pages()
    links = []
    for path, fragment in pages:
        title = re.search(r"标　　题：.*?<td[^>]*>(.*?)</td>", fragment.decode("utf-8"), re.S).group(1).strip()
        head = b'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>' + f"{title}_国务院文件_中国政府网".encode() + b"</title></head>\n<body>\n"
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(head + fragment + b"\n</body></html>\n")
        links.append((f"/{path}", title))
    chunks = [links[i:i + page_size] for i in range(0, len(links), page_size)]
    for number, chunk in enumerate(chunks):
        name = "index.htm" if number == 0 else f"index_{number}.htm"
        pager = "".join(f'<a href="{"index.htm" if n == 0 else f"index_{n}.htm"}">{n + 1}</a> ' for n in range(len(chunks)))
        _write(root / "zhengce/content" / name, _list_page("国务院文件", chunk, f'<div class="pager">{pager}</div>'))


def _iso_date(printed: str) -> str:
    """2019年02月15日, as gov.cn's table prints it → 2019-02-15."""
    return re.sub(r"(\d{4})年(\d{2})月(\d{2})日", r"\1-\2-\3", printed)


def _ucap_content(fragment: str) -> str:
    """The inner HTML of a gov.cn page's text cell, td#UCAP-CONTENT."""
    return re.search(r'<td class="b12c" id="UCAP-CONTENT">(.*?)</td>', fragment, re.S).group(1)


def _govcn_fields(fragment: str) -> dict[str, str]:
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", fragment, re.S)]
    labels = {re.sub(r"[\s\u3000:：]", "", a): b for a, b in zip(cells, cells[1:])}
    return {k: labels[k] for k in ("标题", "发文机关", "发文字号", "主题分类", "成文日期", "发布日期", "索引号")}


GOVCN_INTERPRETATIONS = [
    # (policy index in govcn_pages(), title, form, first paragraph)
    (0, "国务院政策例行吹风会：在市场监管领域全面推行部门联合“双随机、一公开”监管",
     "访谈解读", "主持人：女士们、先生们，大家下午好！欢迎出席国务院政策例行吹风会。"
                "今天我们邀请到市场监管总局有关负责同志，介绍《国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》（国发〔2019〕5号）有关情况。"),
    (2, "【图解】国家职业教育改革实施方案", "图解",
     "一图读懂国发〔2019〕4号《国家职业教育改革实施方案》：把职业教育摆在教育改革创新和经济社会发展中更加突出的位置。"),
    (3, "国务院办公厅关于加强三级公立医院绩效考核工作的意见解读", "文字解读",
     "近日，国务院办公厅印发《关于加强三级公立医院绩效考核工作的意见》（国办发〔2019〕4号），现就有关内容解读如下。"),
]


def build_govcn_current(root: Path, count: int = 6) -> list[dict]:
    """Real gov.cn texts and metadata in the current 政策文件库 layout; three interpretations
    in the 政策解读 column, whose pages sit outside the column's path."""
    template = ('<div class="policyLibraryOverview_header"><table>'
                '<tr><td>标　　题：</td><td colspan="3">{标题}</td></tr>'
                '<tr><td>发文机关：</td><td>{发文机关}</td><td>来　　源：</td><td>{来源}</td></tr>'
                '<tr><td>主题分类：</td><td>{主题分类}</td><td>公文种类：</td><td>{公文种类}</td></tr>'
                '<tr><td>发文字号：</td><td>{发文字号}</td><td>成文日期：</td><td>{成文日期}</td></tr>'
                '<tr><td>发布日期：</td><td>{发布日期}</td><td></td><td></td></tr></table></div>')
    expected, links, jiedu_links = [], [], []
    pages = govcn_pages()[:count]
    for number, (_old_path, fragment) in enumerate(pages):
        text = fragment.decode("utf-8")
        fields = _govcn_fields(text)
        doc_type = next(t for t in ("通知", "指导意见", "意见", "决定", "批复") if fields["标题"].endswith(t))
        fields.update({"来源": "国务院", "公文种类": doc_type})
        content = _ucap_content(text)
        published = _iso_date(fields["发布日期"])
        month = published[:7].replace("-", "")
        path = f"zhengce/zhengceku/{month}/content_{6900000 + number}.htm"
        body_class = "pages_content" if number % 2 else "pages_content\" id=\"UCAP-CONTENT"
        head = f'<meta name="firstpublishedtime" content="{published} 17:00:00">'
        html = _page(fields["标题"], head, template.format(**{k: escape(v) for k, v in fields.items()})
                     + f'<div class="{body_class}">{content}</div>'
                     + '<div class="share">分享到：<a href="/">微信</a></div>')
        _write(root / path, html)
        links.append((f"/{path}", fields["标题"]))
        expected.append({"path": path, "kind": "policy", "column": "政策文件库", "title": fields["标题"],
                         "doc_number": fields["发文字号"], "publisher": fields["发文机关"], "source": "国务院",
                         # gov.cn's own 主题分类 is a path of the tree as it stands.
                         "domains": [fields["主题分类"].replace("\\", "/")], "domains_as_written": fields["主题分类"],
                         "doc_type": doc_type,
                         "written_date": _iso_date(fields["成文日期"]),
                         "published_at": f"{published} 17:00:00"})
    for number, (policy, title, form, paragraph) in enumerate(GOVCN_INTERPRETATIONS):
        published = expected[policy]["published_at"][:10]
        path = f"zhengce/{published[:7].replace('-', '')}/content_{6910000 + number}.htm"
        html = _page(title, '<meta name="ArticleTitle" content="' + escape(title) + '">'
                     f'<meta name="PubDate" content="{published} 18:30">',
                     f'<div class="article"><h1>{escape(title)}</h1><div class="pages-date">{published} 18:30　来源：中国政府网</div>'
                     f'<div class="pages_content" id="UCAP-CONTENT"><p>{escape(paragraph)}</p>'
                     "<p>记者从有关部门了解到，各地区各部门正抓紧抓好贯彻落实。</p></div></div>")
        _write(root / path, html)
        jiedu_links.append((f"/{path}", title))
        expected.append({"path": path, "kind": "interpretation", "column": "政策解读", "title": title,
                         "interpretation_form": form, "published_at": f"{published} 18:30:00",
                         "interprets_policy": expected[policy]["path"]})
    _write(root / "zhengce/zhengceku/index.htm", _list_page("政策文件库", links))
    _write(root / "zhengce/jiedu/index.htm", _list_page("政策解读", jiedu_links))
    return expected


# ---- generic --------------------------------------------------------------------------------

GENERIC_CHROME = ('<div class="top"><a href="/">首页</a> <a href="/">信息公开</a> <a href="/">互动交流</a>'
                  ' <a href="/">办事服务</a></div><div class="side"><h3>热点专题</h3><ul>'
                  '<li><a href="/">优化营商环境</a></li><li><a href="/">乡村振兴</a></li></ul></div>')
GENERIC_FOOTER = ('<div class="footer">主办单位：示范县人民政府办公室　网站标识码：3505000000　'
                  '<a href="/">网站地图</a>　<a href="/">联系我们</a></div>')


def build_generic(root: Path, count: int = 4) -> list[dict]:
    """A county site with nothing but the standard meta tags: real texts, cluttered layout."""
    expected, links = [], []
    for number, (_path, fragment) in enumerate(govcn_pages()[-count:]):
        text = fragment.decode("utf-8")
        fields = _govcn_fields(text)
        content = _ucap_content(text)
        published = _iso_date(fields["发布日期"])
        path = f"xxgk/zcfg/art{number + 1:03d}.html"
        meta = "".join(f'<meta name="{name}" content="{escape(value)}">' for name, value in (
            ("SiteName", "示范县人民政府"), ("ColumnName", "政策法规"), ("ArticleTitle", fields["标题"]),
            ("PubDate", f"{published} 09:00"), ("ContentSource", fields["发文机关"])))
        html = _page(f"{fields['标题']}-示范县人民政府", meta, GENERIC_CHROME
                     + f'<div class="main"><div class="crumb">当前位置：首页 &gt; 信息公开 &gt; 政策法规</div>'
                     f'<div class="detail">{content}</div></div>' + GENERIC_FOOTER)
        _write(root / path, html)
        links.append((f"/{path}", fields["标题"]))
        paragraphs = [re.sub(r"<[^>]+>", "", p).strip() for p in re.findall(r"<p[^>]*>(.*?)</p>", content, re.S)]
        first = next(p for p in paragraphs if len(p) >= 20)
        expected.append({"path": path, "title": fields["标题"], "publisher": fields["发文机关"],
                         "published_at": f"{published} 09:00:00", "column": "政策法规",
                         "doc_number": fields["发文字号"], "kind": "policy", "body_contains": first})
    _write(root / "index.html", _page("示范县人民政府", "", GENERIC_CHROME + _list_page("政策法规", links)))
    return expected


# ---- hanweb (a site added by configuration only) ----------------------------------------------

HANWEB_DOCS = [
    # (path, title, 文号, publisher, published, validity cell, body paragraphs, gbk without charset)
    ("art/2017/3/2/art_1229_1001.html", "新罗区城乡居民临时救助实施办法", "龙新政〔2017〕12号", "龙岩市新罗区人民政府",
     "2017-03-02", "", ["第一条　为保障城乡困难群众基本生活，制定本办法。", "第十条　本办法自2017年4月1日起施行，有效期5年。"], False),
    ("art/2020/6/8/art_1229_1002.html", "新罗区城乡居民临时救助办法", "龙新政〔2020〕31号", "龙岩市新罗区人民政府",
     "2020-06-08", "有效", ["第一条　为进一步规范临时救助工作，制定本办法。",
                          "第二十条　本办法自2020年7月1日起施行，《新罗区城乡居民临时救助实施办法》（龙新政〔2017〕12号）同时废止。"], True),
    ("art/2019/9/16/art_1230_1003.html", "新罗区民政局关于开展2019年度低保年审工作的通知", "龙新民〔2019〕45号", "龙岩市新罗区民政局",
     "2019-09-16", "失效", ["各乡镇人民政府、街道办事处：", "现就2019年度城乡低保年审工作通知如下。"], False),
    ("art/2021/1/5/art_1230_1004.html", "新罗区民政局关于做好2021年元旦春节期间困难群众走访慰问工作的通知", "", "龙岩市新罗区民政局",
     "2021-01-05", "", ["各乡镇人民政府、街道办事处：", "为切实做好元旦春节期间困难群众走访慰问工作，现将有关事项通知如下。"], False),
]


HANWEB_ATTACHMENTS = [
    ("P020200608_lowbao.doc", "附件1：低保资金分配表说明.doc"),
    ("P020200608_shenqing.wps", "附件2：临时救助申请表.wps"),
    ("P020200608_cesuan.xls", "附件3：临时救助标准测算表.xls"),
    ("P020200608_cesuan.xlsx", "附件4：临时救助标准测算表.xlsx"),
]


def build_hanweb(root: Path) -> list[dict]:
    expected, links = [], []
    for path, title, number, publisher, published, validity, paragraphs, gbk in HANWEB_DOCS:
        rows = [("信息索引号", f"XL-{path[-9:-5]}"), ("发文单位", publisher), ("发文日期", published), ("文号", number),
                ("有效性", validity)]
        table = "".join(f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in rows)
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        if gbk:  # the page with attachments in the old binary formats
            folder = root / Path(path).parent
            folder.mkdir(parents=True, exist_ok=True)
            for name, label in HANWEB_ATTACHMENTS:
                shutil.copy(HERE / "attachments" / name, folder / name)
                body += f'<p><a href="{name}">{escape(label)}</a></p>'
        html = _page(title, "", f'<div class="zwgk_xxgk"><table>{table}</table></div><div class="title_art">{escape(title)}</div>'
                     f'<div id="zoom">{body}</div>', charset=None if gbk else "utf-8")
        _write(root / path, html, "gb18030" if gbk else "utf-8")
        links.append((f"/{path}", title))
        expected.append({"path": path, "title": title, "doc_number": number, "publisher": publisher,
                         "index_number": f"XL-{path[-9:-5]}", "published_at": published,
                         "kind": "policy" if "art_1229" in path else "notice",
                         "column": "规范性文件" if "art_1229" in path else "通知公告"})
    for column, name in (("col1229", "规范性文件"), ("col1230", "通知公告")):
        mine = [link for link in links if f"art_{column[3:]}" in link[0]]
        _write(root / f"col/{column}/index.html", _list_page(name, mine[:1], '<a href="?uid=1&amp;pageNum=2">下一页</a>'))
        _write(root / f"col/{column}/index.html@uid=1&pageNum=2", _list_page(name, mine[1:]))
    return expected


# ---- large, for bench/crawl -----------------------------------------------------------------

def build_large(root: Path, documents: int = 5000, per_list: int = 50, seed: int = 7) -> int:
    """A TRS-style site of `documents` detail pages (text sampled from the real corpus) and their
    paged column lists; returns the number of pages, lists included."""
    rng = random.Random(seed)
    sentences = [s for _path, f in govcn_pages()
                 for s in re.findall(r"[^。<>]{12,120}。", re.sub(r"<[^>]+>", "", f.decode("utf-8")))]
    links: list[tuple[str, str]] = []
    for n in range(documents):
        day = f"20{18 + n % 6}{1 + n % 12:02d}{1 + n % 28:02d}"
        path = f"zwgk/zcwj/{day[:6]}/t{day}_{100000 + n}.htm"
        title = f"关于{rng.choice(sentences)[:18]}的通知"
        body = "".join(f"<p>{escape(s)}</p>" for s in rng.sample(sentences, 12))
        html = _page(title, "", f'<h1 class="article_title">{escape(title)}</h1><table class="xxgk_table"><tr><td>发布日期：</td>'
                     f'<td>{day[:4]}-{day[4:6]}-{day[6:]}</td></tr></table><div class="TRS_Editor">{body}</div>')
        _write(root / path, html)
        links.append((f"/{path}", title))
    lists = [links[i:i + per_list] for i in range(0, len(links), per_list)]
    for number, chunk in enumerate(lists):
        name = "index.htm" if number == 0 else f"index_{number}.htm"
        pager = f'<a href="index_{number + 1}.htm">下一页</a>' if number + 1 < len(lists) else ""
        _write(root / "zwgk/zcwj" / name, _list_page("政策文件", chunk, pager))
    return documents + len(lists)
