"""Keyword classification in many languages, customer choice, severity rules and tier floors."""

from __future__ import annotations

import pytest

from routing.classify import DEFAULT_RULES, classify, parse_rules, rule_languages

SHIPPED_LANGUAGES = (
    "en",
    "zh-Hans",
    "zh-Hant",
    "ja",
    "ko",
    "es",
    "pt",
    "fr",
    "de",
    "it",
    "ru",
    "ar",
    "hi",
    "id",
    "vi",
    "th",
    "tr",
)


def test_rules_cover_the_shipped_languages_for_every_rule() -> None:
    for rule in DEFAULT_RULES.categories + DEFAULT_RULES.severities:
        assert set(SHIPPED_LANGUAGES) <= set(rule.keywords), rule.name


@pytest.mark.parametrize(
    ("text", "language", "category"),
    [
        ("I can't log in to my account", "en", "account"),
        ("我的账号登录不了，怎么办", "zh-Hans", "account"),
        ("我的帳號無法登入", "zh-Hant", "account"),
        ("ログインできません。パスワードを変更したい", "ja", "account"),
        ("비밀번호를 잊어버렸어요", "ko", "account"),
        ("Me cobraron dos veces, quiero un reembolso", "es", "billing"),
        ("O aplicativo está muito lento e travando", "pt-BR", "performance"),
        ("L'application plante à chaque ouverture, erreur 500", "fr", "product-function"),
        ("Die App ist total unübersichtlich, ich finde nicht die Einstellungen", "de", "usability"),
        ("L'operatore è stato maleducato, nessuna risposta da giorni", "it", "service"),
        ("Мой аккаунт взломали, мошенники украли деньги", "ru", "privacy-security"),
        ("لا أستطيع الدخول إلى حسابي", "ar", "account"),
        ("मेरा भुगतान दो बार कट गया, रिफंड चाहिए", "hi", "billing"),
        ("Aplikasinya lemot sekali dan sering macet", "id", "performance"),
        ("Ứng dụng bị lỗi, không hoạt động", "vi", "product-function"),
        ("แอปช้ามาก โหลดนานทุกครั้ง", "th", "performance"),
        ("Müşteri hizmetleri cevap vermiyor, temsilci çok kaba", "tr", "service"),
        ("Nothing to see here", "en", "other"),
    ],
)
def test_keyword_categories(text: str, language: str, category: str) -> None:
    result = classify(text, language)
    assert result.category == category
    if category == "other":
        assert result.category_rule == "no category keyword matched"
    else:
        assert result.category_rule.startswith(f"keyword {category}/")


@pytest.mark.parametrize(
    ("text", "language", "rule"),
    [
        ("Your site leaked my data to strangers", "en", "data-leak"),
        ("I will contact my lawyer and sue you", "en", "legal-threat"),
        ("The charger caught fire in my kitchen", "en", "safety"),
        ("我的个人信息被泄露了", "zh-Hans", "data-leak"),
        ("我會找律師起訴你們", "zh-Hant", "legal-threat"),
        ("充電器が発火しました", "ja", "safety"),
        ("개인정보가 유출되었습니다", "ko", "data-leak"),
        ("Voy a hablar con mi abogado", "es", "legal-threat"),
        ("O carregador explodiu", "pt", "safety"),
        ("Il y a eu une fuite de données", "fr", "data-leak"),
        ("Ich werde meinen Anwalt einschalten", "de", "legal-threat"),
        ("Il telefono si è surriscaldato e ha preso fuoco", "it", "safety"),
        ("Я подам в суд", "ru", "legal-threat"),
        ("حدث تسريب لبياناتي", "ar", "data-leak"),
        ("चार्जर में आग लग गई", "hi", "safety"),
        ("Saya akan menghubungi pengacara", "id", "legal-threat"),
        ("Pin bị cháy và khói bốc lên", "vi", "safety"),
        ("ข้อมูลรั่วไหล", "th", "data-leak"),
        ("Avukatımla görüşeceğim", "tr", "legal-threat"),
    ],
)
def test_serious_keywords(text: str, language: str, rule: str) -> None:
    result = classify(text, language)
    assert result.severity == "serious"
    assert result.severity_rule.startswith(f"keyword {rule}/")


def test_customer_choice_wins_over_keywords() -> None:
    result = classify("I cannot log in", "en", chosen="billing")
    assert (result.category, result.category_rule) == ("billing", "customer chose billing")
    assert classify("I cannot log in", "en", chosen="other").category == "account"
    with pytest.raises(ValueError, match="unknown category 'shipping'"):
        classify("x", "en", chosen="shipping")


def test_word_boundaries_for_spaced_languages() -> None:
    assert classify("The accountant was nice", "en").category == "other"
    assert classify("PASSWORDS keep failing to reset", "en").category_rule.endswith("'password*'")
    assert classify("Ｌｏｇｉｎ is impossible", "en").category == "account"  # full-width letters
    assert classify("Die Passwortänderung klappt nicht", "de").category == "account"


def test_english_terms_inside_other_languages() -> None:
    assert classify("我的 password 不对", "zh-Hans").category == "account"


def test_unknown_language_tries_every_rule_language() -> None:
    assert classify("비밀번호 오류", "und").category in {"account", "product-function"}
    assert rule_languages("und", DEFAULT_RULES) == DEFAULT_RULES.languages
    assert rule_languages("zh-TW", DEFAULT_RULES) == ("zh-Hant", "en")
    assert rule_languages("zh", DEFAULT_RULES) == ("zh-Hans", "en")
    assert rule_languages("pt-BR", DEFAULT_RULES) == ("pt", "en")
    assert rule_languages("sw", DEFAULT_RULES) == ("en",)


def test_most_keyword_hits_win_and_ties_follow_file_order() -> None:
    text = "The app is slow, loading takes forever, and there is one bug"
    assert classify(text, "en").category == "performance"
    assert classify("password and refund", "en").category == "account"


def test_repeat_contact_and_urgency() -> None:
    result = classify("Still waiting", "en", prior_contacts=3)
    assert result.severity == "serious"
    assert result.severity_rule == "repeat contact: 3 prior contacts (>= 3)"
    assert classify("Still waiting", "en", prior_contacts=2).severity == "general"
    urgent = classify("Please fix this urgently", "en")
    assert (urgent.severity, urgent.severity_rule) == ("moderate", "keyword urgent/en: 'urgently'")


@pytest.mark.parametrize(
    ("tier", "severity", "rule"),
    [
        ("standard", "general", "no severity rule matched"),
        ("silver", "general", "no severity rule matched"),
        ("gold", "moderate", "tier gold: general raised to moderate"),
        ("diamond", "moderate", "tier diamond: general raised to moderate"),
    ],
)
def test_tier_floor(tier: str, severity: str, rule: str) -> None:
    result = classify("A question about my bill", "en", tier=tier)  # type: ignore[arg-type]
    assert (result.severity, result.severity_rule) == (severity, rule)


def test_tier_floor_keeps_serious() -> None:
    assert classify("my lawyer will call", "en", tier="gold").severity == "serious"


def test_custom_rules_and_validation() -> None:
    rules = parse_rules(
        """
        [category.billing]
        en = ["coupon"]
        sv = ["faktura"]
        [severity.vip]
        level = "moderate"
        en = ["ceo"]
        """
    )
    assert classify("coupon broken", "en", rules=rules).category == "billing"
    assert classify("Fel på min faktura", "sv", rules=rules).category == "billing"
    assert classify("I am the CEO", "en", rules=rules).severity == "moderate"
    with pytest.raises(ValueError, match="unknown category 'shipping'"):
        parse_rules('[category.shipping]\nen = ["box"]')
    with pytest.raises(ValueError, match="unknown severity level 'high'"):
        parse_rules('[severity.x]\nlevel = "high"\nen = ["y"]')
    with pytest.raises(ValueError, match="empty keyword"):
        parse_rules('[category.billing]\nen = ["*"]')
