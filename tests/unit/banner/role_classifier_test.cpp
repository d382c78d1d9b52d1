// The button-role rules (native-host/rules/banner/button-roles.json) on control texts written for
// this test, in each of the seven languages the rules cover.
#define BOOST_TEST_MODULE banner_classifier
#include "banner/role_classifier.h"

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "banner/rules.h"

using cw::banner::normalize_label;
using cw::banner::Role;
using cw::banner::to_string;

namespace {

const cw::banner::RoleClassifier& classifier() {
  auto rules = cw::banner::BannerRules::instance();
  BOOST_REQUIRE_MESSAGE(rules.ok(), (rules.ok() ? "" : rules.error().to_string()));
  return (*rules)->classifier();
}

struct Case {
  const char* text;
  Role role;
  const char* tag = "";
};

void check_cases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    const auto result = classifier().classify(c.text);
    BOOST_TEST_CONTEXT("text '" << c.text << "' normalised '" << normalize_label(c.text) << "'") {
      BOOST_CHECK_EQUAL(to_string(result.role), to_string(c.role));
      if (*c.tag != 0) BOOST_CHECK_EQUAL(result.tag, c.tag);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(normalisation_folds_case_accents_and_punctuation) {
  BOOST_CHECK_EQUAL(normalize_label("  Tout REFUSER !"), "tout refuser");
  BOOST_CHECK_EQUAL(normalize_label("Schließen"), "schliessen");
  BOOST_CHECK_EQUAL(normalize_label("J\u2019accepte"), "j accepte");
  BOOST_CHECK_EQUAL(normalize_label("Odrzuć\u00a0wszystkie"), "odrzuc wszystkie");
  BOOST_CHECK_EQUAL(normalize_label("\u00d7"), "x");
  // ASCII runs are folded without utf8proc: a combining accent after an ASCII letter, letters that
  // fold to ASCII and ignorable characters must come out as when the whole text was mapped.
  BOOST_CHECK_EQUAL(normalize_label("Re\u0301glages DES Cookies"), "reglages des cookies");
  BOOST_CHECK_EQUAL(normalize_label("\u212Aeep"), "keep");
  BOOST_CHECK_EQUAL(normalize_label("Ak\u00ADzeptieren"), "akzeptieren");
  BOOST_CHECK_EQUAL(normalize_label("STRASSE stra\u00DFe"), "strasse strasse");
}

// One RE2::Set pass gives the role and the three flags together.
BOOST_AUTO_TEST_CASE(flags_come_with_the_role) {
  const auto necessary = classifier().classify("Accept only necessary cookies");
  BOOST_CHECK_EQUAL(to_string(necessary.role), "reject");
  BOOST_CHECK(necessary.accept_verb);
  const auto plain = classifier().classify("Reject all");
  BOOST_CHECK_EQUAL(to_string(plain.role), "reject");
  BOOST_CHECK(!plain.accept_verb);
  // Long texts keep their flags but get no role.
  const auto prose = classifier().classify(
      "By clicking accept you agree to the storing of cookies on your device to enhance "
      "navigation");
  BOOST_CHECK_EQUAL(to_string(prose.role), "other");
  BOOST_CHECK(prose.accept_verb);
}

BOOST_AUTO_TEST_CASE(english) {
  check_cases({{"Accept all cookies", Role::kAccept},
               {"Reject all", Role::kReject},
               {"Use essential cookies only", Role::kReject, "necessary_only"},
               {"Accept strictly necessary", Role::kReject, "necessary_only"},
               {"Cookie settings", Role::kSettings},
               {"No, take me to settings", Role::kSettings, "refusal_worded"},
               {"Save my choices", Role::kSave},
               {"Got it!", Role::kAccept, "acknowledge"},
               {"Continue without accepting", Role::kClose, "without_accepting"},
               {"Close", Role::kClose},
               {"Privacy policy", Role::kOther}});
}

BOOST_AUTO_TEST_CASE(french) {
  check_cases({{"Tout accepter", Role::kAccept},
               {"Tout refuser", Role::kReject},
               {"Paramétrer les cookies", Role::kSettings},
               {"Enregistrer mes choix", Role::kSave},
               {"Continuer sans accepter", Role::kClose, "without_accepting"},
               {"Fermer", Role::kClose}});
}

BOOST_AUTO_TEST_CASE(german) {
  check_cases({{"Alle akzeptieren", Role::kAccept},
               {"Alle ablehnen", Role::kReject},
               {"Nur notwendige Cookies", Role::kReject, "necessary_only"},
               {"Einstellungen verwalten", Role::kSettings},
               {"Auswahl speichern", Role::kSave},
               {"Schließen", Role::kClose}});
}

BOOST_AUTO_TEST_CASE(spanish_italian_dutch_polish) {
  check_cases({{"Aceptar todas", Role::kAccept},
               {"Rechazar todas", Role::kReject},
               {"Configurar cookies", Role::kSettings},
               {"Accetta tutti", Role::kAccept},
               {"Rifiuta tutto", Role::kReject},
               {"Gestisci preferenze", Role::kSettings},
               {"Alles accepteren", Role::kAccept},
               {"Weigeren", Role::kReject},
               {"Voorkeuren opslaan", Role::kSave},
               {"Akceptuję wszystkie", Role::kAccept},
               {"Odrzuć wszystkie", Role::kReject},
               {"Ustawienia plików cookie", Role::kSettings},
               {"Zapisz ustawienia", Role::kSave},
               {"Zamknij", Role::kClose}});
}

BOOST_AUTO_TEST_CASE(long_texts_are_other) {
  check_cases(
      {{"We use cookies to improve your experience and to show you personalised ads; you can "
        "accept or reject them at any time in the settings",
        Role::kOther}});
}

// Language-level rules added for forms that read one way and act another: agreeing idioms that
// start with "no", closing that also agrees, the site's "recommended settings", acknowledgement
// chains, and how-to questions about refusing (information, not a refusal).
BOOST_AUTO_TEST_CASE(idioms_combined_actions_and_questions) {
  check_cases({{"No problem", Role::kAccept, "acknowledge"},
               {"Pas de souci", Role::kAccept, "acknowledge"},
               {"No, thanks", Role::kReject},
               {"Close and accept", Role::kAccept, "accept_and_close"},
               {"I agree, dismiss this banner", Role::kAccept, "accept_and_close"},
               {"Fermer et accepter", Role::kAccept, "accept_and_close"},
               {"Schließen und akzeptieren", Role::kAccept, "accept_and_close"},
               {"Close cookie consent notice", Role::kClose},
               {"Close without accepting", Role::kClose, "without_accepting"},
               {"Use recommended settings", Role::kAccept, "recommended"},
               {"Empfohlene Einstellungen", Role::kAccept, "recommended"},
               {"Cookie settings", Role::kSettings},
               {"OK, got it", Role::kAccept, "acknowledge"},
               {"Ok, continue to site", Role::kAccept, "acknowledge"},
               {"OK, j'ai compris", Role::kAccept, "acknowledge"},
               {"Opt in", Role::kAccept},
               {"Dismiss all", Role::kReject},
               {"How do I disable cookies?", Role::kSettings, "more_info"},
               {"Cómo rechazar las cookies", Role::kSettings, "more_info"},
               {"Disable cookies", Role::kReject},
               {"Select cookies", Role::kSettings},
               {"Continue without tracking", Role::kClose, "without_accepting"}});
}
