"""Matching names as reporters write them: short names, generic words, traditional characters, homophones."""

from services.complaints.domain.matching import known, name_core, pinyin_of, suggest

BOOKS = [known("mingde", "城固县明德教育培训学校", "城固县博望街道文化路12号"),
         known("qiming", "城固县启明文化培训学校（博望校区）", "博望街道天明路8号"),
         known("xingguang", "龙头镇星光艺术培训中心", "龙头镇滨江路3号")]


def test_the_core_drops_generic_words_and_folds_traditional_characters():
    assert name_core("城固县明德教育培训学校") == "明德"
    assert name_core("明德培訓學校") == "明德"
    assert name_core("培训学校") == "培训学校"  # nothing but generic words: kept as written


def test_a_homophone_has_the_same_pinyin():
    assert pinyin_of("名得") == pinyin_of("明德") == "mingde"


def test_each_way_of_writing_finds_the_institution_first():
    for written in ("明德", "明德教育", "名得", "明德培訓學校", "明得培训", "文化路12号"):
        assert suggest(written, BOOKS)[0].institution_id == "mingde", written


def test_nothing_written_suggests_nothing():
    assert suggest("  ", BOOKS) == [] and suggest("明德", []) == []
