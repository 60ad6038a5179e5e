"""统一社会信用代码 check digit (GB 32100-2015)."""

import pytest

from toolkit.intake import credit_code


def test_weights_are_powers_of_three_mod_31():
    assert credit_code.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(credit_code.CHARSET) == 31
    assert not set("IOZSV") & set(credit_code.CHARSET)


def test_worked_example_of_the_standard():
    # The standard's worked example: 91350100M000100Y4? → check value 3.
    assert credit_code.check_char("91350100M000100Y4") == "3"
    assert "不允许的字符" in credit_code.problem("91350100M000100Y4Z")  # Z is never used
    assert credit_code.problem("91350100M000100Y40").startswith("校验位错误")
    assert credit_code.is_valid("91350100M000100Y43")


@pytest.mark.parametrize("code", [
    "914403001922038216",   # 华为技术有限公司 (published on its licence)
    "91110000802100433B",   # 北京百度网讯科技有限公司
    "9144030071526726XG",   # 深圳市腾讯计算机系统有限公司
])
def test_real_published_codes_are_valid(code):
    assert credit_code.problem(code) is None


def test_check_value_31_is_written_as_zero():
    # Find a body whose weighted sum is a multiple of 31: its check character must be "0".
    import itertools

    for tail in itertools.product("0123456789", repeat=3):
        body = "91330100MA2" + "000" + "".join(tail)
        total = sum(credit_code.CHARSET.index(c) * w for c, w in zip(body, credit_code.WEIGHTS))
        if total % 31 == 0:
            assert credit_code.check_char(body) == "0"
            break
    else:  # pragma: no cover
        pytest.fail("no body with sum ≡ 0 (mod 31) found")


@pytest.mark.parametrize("code, words", [
    ("91440300192203821", "18位"),
    ("9144030019220382166", "18位"),
    ("91440300I92203821O", "不允许的字符"),
    ("914403001922038217", "第18位应为「6」"),
])
def test_problems_say_what_is_wrong(code, words):
    assert words in credit_code.problem(code)


def test_normalize_full_width_lower_case_and_spaces():
    assert credit_code.problem(" ９１４４０３００１９２２０３８２１６ ") is None
    assert credit_code.problem("9144030071526726xg") is None
    assert credit_code.normalize("9144 0300 7152 6726 xg") == "9144030071526726XG"


def test_make_builds_valid_codes():
    code = credit_code.make("91331082MA2H00001")
    assert len(code) == 18 and credit_code.is_valid(code)
    with pytest.raises(ValueError):
        credit_code.make("91331082MA2H0000I")
