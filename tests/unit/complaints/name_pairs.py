"""Generates the name-matching test set kept in data/: institutions with real-looking names and addresses,
and 200 (written, meant) pairs in the ways reporters write names. Run it to regenerate (seeded, so the same).

    .venv/bin/python tests/unit/complaints/name_pairs.py
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

import opencc
from pypinyin import lazy_pinyin

DATA = Path(__file__).parent / "data"
_BRAND_TEXT = """明德 启明 星光 博雅 睿智 金桥 育才 英才 新航 卓越 优学 思源 致远 弘毅 求是 博文 知行 勤学 乐学 学而
天成 未来 阳光 彩虹 蓝天 晨曦 朝阳 春晖 秋实 海阔 鸿志 鹏程 腾飞 启航 远航 领航 精英 尚学 品学 慧思 立人 树人
育英 培英 博学 格致 致知 明理 崇文 尚德 厚德 弘文 华章 书香 墨韵 翰林 文曲 青蓝 桃李 杏坛 春雨 润物 启智 开智 益智
慧源 智源 学源 北辰 南山 东升 西岭 向上 向阳 日新 新知 博思 锦程 金榜 状元 三味 七彩 九章 百川 千寻 万象 一品 同心
和美 嘉禾 恒星 银河 星辰 小树苗 小天使 贝乐 童趣 智多星"""
BRANDS = tuple(_BRAND_TEXT.split())
KINDS = ("培训学校", "教育培训中心", "文化培训学校", "艺术培训中心", "教育科技有限公司", "辅导中心")
PLACES = ("城固县", "城固县", "洋县", "")
TOWNS = ("博望街道", "龙头镇", "城关镇", "洋州街道")
ROADS = ("文化路", "天明路", "滨江路", "东大街", "西环路", "南关街", "北街", "建设路", "民主街", "解放路", "人民路",
         "青年路", "学府路", "育才路", "翠屏路", "汉江路")
# common characters to draw homophones and typos from (a pinyin keyboard offers every character of a sound)
POOL = ("名明铭鸣民敏得德的地启起器奇其星新心欣信光广观关博波伯雅亚压睿瑞锐智志知之金今进津桥乔巧育玉遇宇才财材采"
        "英应鹰迎航行杭卓着优由友学雪思斯丝源元原远圆致至制弘红宏鸿毅易义益求球秋是事世文问闻稳行形型勤琴乐勒天田添"
        "成城诚程来阳洋杨扬彩菜蓝兰篮晨辰陈臣曦西溪希朝潮春纯晖辉会秋实时十海孩阔扩志鹏朋腾飞非启航领精晶经尚上品慧惠"
        "立力丽树数育培格致理崇德厚华章张书香乡墨韵运翰林文曲青清桃李杏坛春雨润物智开益源北南山东升岭向日知锦金榜状三"
        "味七九百川千寻万象一同心和美嘉禾恒星银河小苗天使贝童趣多")


def _homophones() -> dict[str, list[str]]:
    by_sound: dict[str, list[str]] = defaultdict(list)
    for char in dict.fromkeys(POOL):
        by_sound[lazy_pinyin(char)[0]].append(char)
    return {char: [other for other in by_sound[lazy_pinyin(char)[0]] if other != char] for char in POOL}


def institutions(rng: random.Random) -> list[dict[str, str]]:
    """One institution per brand: a name as registered and its address."""
    made = []
    for number, brand in enumerate(BRANDS, start=1):
        town = rng.choice(TOWNS)
        place = "洋县" if town == "洋州街道" else rng.choice(PLACES[:2] + ("",))
        made.append({"institution_id": f"I{number:03d}", "name": f"{place}{brand}{rng.choice(KINDS)}",
                     "address": f"{place}{town}{rng.choice(ROADS)}{rng.randint(1, 300)}号", "brand": brand})
    return made


def pairs(books: list[dict[str, str]], rng: random.Random) -> list[dict[str, str]]:
    """25 pairs of each of 8 ways a reporter writes a name, each naming the institution meant."""
    homophones, to_traditional = _homophones(), opencc.OpenCC("s2t")

    def sound_alike(text: str, all_chars: bool) -> str | None:
        chars = list(text)
        spots = [i for i, c in enumerate(chars) if homophones.get(c)]
        if not spots:
            return None
        for i in (spots if all_chars else [rng.choice(spots)]):
            chars[i] = rng.choice(homophones[chars[i]])
        return "".join(chars)

    def typo(text: str) -> str:
        chars = list(text)
        i = rng.randrange(len(chars))
        chars[i] = rng.choice([c for c in POOL if c != chars[i] and c not in homophones.get(chars[i], ())])
        return "".join(chars)

    ways = {
        "short_name": lambda b: b["brand"],
        "other_generic_words": lambda b: b["brand"] + rng.choice(("教育", "培训", "培训班", "学校", "补习班")),
        "company_name": lambda b: b["brand"] + "教育科技有限公司",
        "street": lambda b: b["address"].split("街道")[-1].split("镇")[-1],
        "traditional": lambda b: to_traditional.convert(b["name"]),
        "typo": lambda b: typo(b["brand"]) + rng.choice(KINDS),
        "homophone": lambda b: sound_alike(b["brand"], all_chars=True),
        "homophone_one_char": lambda b: (sound_alike(b["brand"], all_chars=False) or "") + "培训",
    }
    made = []
    for kind, write in ways.items():
        chosen = [b for b in rng.sample(books, len(books)) if write(b) not in (None, "培训")][:25]
        made.extend({"kind": kind, "written": write(b), "institution_id": b["institution_id"]} for b in chosen)
    return made


def main() -> None:
    """Write data/institutions.csv and data/name_pairs.csv."""
    rng = random.Random(20260512)
    books = institutions(rng)
    with open(DATA / "institutions.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=("institution_id", "name", "address"), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(books)
    with open(DATA / "name_pairs.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=("kind", "written", "institution_id"))
        writer.writeheader()
        writer.writerows(pairs(books, rng))


if __name__ == "__main__":
    main()
