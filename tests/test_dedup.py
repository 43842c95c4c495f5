"""Addresses as comparison keys (analyzers.dedup.normalized_url): the same key however a page's
address was written, whether it is already plain (kept as it is) or must be parsed."""
import pytest

from analyzers.dedup import normalized_url


@pytest.mark.parametrize(("url", "key"), [
    ("http://www.qg.gov.cn/zwgk/zcwj/t20180720_1712005.htm", "http://www.qg.gov.cn/zwgk/zcwj/t20180720_1712005.htm"),
    ("HTTP://WWW.QG.GOV.CN/zwgk/", "http://www.qg.gov.cn/zwgk/"),
    ("http://www.qg.gov.cn:80/zwgk/index.html#top", "http://www.qg.gov.cn/zwgk/"),
    ("https://www.qg.gov.cn:443/zwgk/default.htm", "https://www.qg.gov.cn/zwgk/"),
    ("http://www.qg.gov.cn/zwgk/xindex.html", "http://www.qg.gov.cn/zwgk/xindex.html"),
    ("http://www.qg.gov.cn:8080/zwgk/a.htm", "http://www.qg.gov.cn:8080/zwgk/a.htm"),
    ("https://www.qg.gov.cn/list?b=2&a=1", "https://www.qg.gov.cn/list?a=1&b=2"),
    ("http://www.qg.gov.cn/a.htm#part2", "http://www.qg.gov.cn/a.htm"),
    ("  http://www.qg.gov.cn/a.htm\n", "http://www.qg.gov.cn/a.htm"),
    ("http://www.qg.gov.cn/a\tb.htm", "http://www.qg.gov.cn/ab.htm"),
    ("http://www.qg.gov.cn", "http://www.qg.gov.cn/"),
    ("http://www.qg.gov.cn/政策/a.htm", "http://www.qg.gov.cn/政策/a.htm"),
])
def test_an_address_and_its_key(url, key):
    assert normalized_url(url) == key
