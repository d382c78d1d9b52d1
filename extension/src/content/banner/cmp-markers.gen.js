// Generated from native-host/rules/banner/cmp-markers.json. Do not edit; run
// `cmake --build <dir> --target update-banner-markers-js` after changing the JSON.
/* exported CW_BANNER_MARKERS */
var CW_BANNER_MARKERS = {
  "$comment": "How the capture script recognises consent platforms. Written for ClauseWatch from each platform's public markup. 'first' and 'second' are CSS selectors for the first layer and for further layers (preference centres); 'frames' are URL substrings of cross-origin frames that hold the platform's UI; 'shadow' says the UI lives in an open shadow root of the first match. The content script reads a generated copy (extension/src/content/banner/cmp-markers.gen.js).",
  "format": 1,
  "cmps": [
    {
      "id": "onetrust",
      "name": "OneTrust",
      "first": [
        "#onetrust-banner-sdk",
        "#onetrust-consent-sdk"
      ],
      "second": [
        "#onetrust-pc-sdk"
      ]
    },
    {
      "id": "cookiebot",
      "name": "Cookiebot",
      "first": [
        "#CybotCookiebotDialog",
        "#CookieConsent"
      ],
      "second": [
        "#CybotCookiebotDialogTabContentDetails",
        "#CybotCookiebotDialogDetailBody"
      ]
    },
    {
      "id": "cookieyes",
      "name": "CookieYes",
      "first": [
        ".cky-consent-container",
        ".cky-consent-bar",
        "#cookie-law-info-bar"
      ],
      "second": [
        ".cky-modal",
        ".cky-preference-center"
      ]
    },
    {
      "id": "didomi",
      "name": "Didomi",
      "first": [
        "#didomi-notice",
        "#didomi-host",
        ".didomi-popup-notice"
      ],
      "second": [
        ".didomi-consent-popup-preferences",
        "#didomi-consent-popup"
      ]
    },
    {
      "id": "trustarc",
      "name": "TrustArc",
      "first": [
        "#truste-consent-track",
        "#consent_blackbar",
        "#truste-consent-content"
      ],
      "second": [
        ".truste_popframe",
        "#truste-consent-preference"
      ],
      "frames": [
        "consent-pref.trustarc.com",
        "consent.trustarc.com"
      ]
    },
    {
      "id": "usercentrics",
      "name": "Usercentrics",
      "first": [
        "#usercentrics-cmp-ui",
        "#usercentrics-root",
        "#uc-banner"
      ],
      "second": [],
      "shadow": true
    },
    {
      "id": "sourcepoint",
      "name": "Sourcepoint",
      "first": [
        "[id^='sp_message_container_']"
      ],
      "second": [],
      "frames": [
        "privacy-mgmt.com",
        "sp-prod.net",
        "sourcepoint",
        "/index.html?message_id",
        "sp_message_iframe"
      ]
    },
    {
      "id": "quantcast",
      "name": "InMobi Choice (Quantcast)",
      "first": [
        "#qc-cmp2-container",
        "#qc-cmp2-ui",
        ".qc-cmp2-summary-section"
      ],
      "second": [
        ".qc-cmp2-partners-section",
        ".qc-cmp2-scrollable-section"
      ]
    },
    {
      "id": "osano",
      "name": "Osano",
      "first": [
        ".osano-cm-dialog",
        ".osano-cm-window"
      ],
      "second": [
        ".osano-cm-info-dialog",
        ".osano-cm-info"
      ]
    },
    {
      "id": "termly",
      "name": "Termly",
      "first": [
        "#termly-code-snippet-support",
        "[class*='termly-styles-root']",
        "[data-tid='banner-accept']"
      ],
      "second": [
        "[class*='termly-styles-modal']"
      ]
    },
    {
      "id": "ketch",
      "name": "Ketch",
      "first": [
        "#lanyard_root",
        "#ketch-banner"
      ],
      "second": [
        "#ketch-preferences"
      ],
      "shadow": true
    },
    {
      "id": "axeptio",
      "name": "Axeptio",
      "first": [
        "#axeptio_overlay",
        ".axeptio_widget",
        "#axeptio_main_button"
      ],
      "second": [],
      "shadow": true
    },
    {
      "id": "transcend",
      "name": "Transcend",
      "first": [
        "#transcend-consent-manager"
      ],
      "second": [],
      "shadow": true
    },
    {
      "id": "hubspot",
      "name": "HubSpot",
      "first": [
        "#hs-eu-cookie-confirmation"
      ],
      "second": [
        "#hs-modal-content",
        ".hs-cookie-settings"
      ]
    },
    {
      "id": "complianz",
      "name": "Complianz",
      "first": [
        ".cmplz-cookiebanner",
        "#cmplz-cookiebanner-container"
      ],
      "second": [
        ".cmplz-categories.cmplz-fade-in"
      ]
    },
    {
      "id": "iubenda",
      "name": "iubenda",
      "first": [
        "#iubenda-cs-banner"
      ],
      "second": [
        "#iubenda-iframe"
      ],
      "frames": [
        "iubenda.com/cookie-solution"
      ]
    },
    {
      "id": "consentmanager",
      "name": "consentmanager",
      "first": [
        "#cmpbox",
        "#cmpwrapper",
        ".cmpboxBG"
      ],
      "second": [
        "#cmpbox2"
      ],
      "shadow": true
    },
    {
      "id": "fundingchoices",
      "name": "Google Funding Choices",
      "first": [
        ".fc-consent-root .fc-choice-dialog",
        ".fc-consent-root",
        ".fc-dialog-container"
      ],
      "second": [
        ".fc-data-preferences-dialog",
        ".fc-vendor-preferences-dialog",
        ".fc-vendors-list-dialog"
      ],
      "frames": [
        "fundingchoicesmessages.google.com"
      ]
    },
    {
      "id": "orestbida",
      "name": "CookieConsent (orestbida)",
      "first": [
        "#cc-main .cm",
        "#cm",
        "#cc-main",
        "#cc_div"
      ],
      "second": [
        "#cc-main .pm",
        "#s-cnt"
      ]
    },
    {
      "id": "moove",
      "name": "GDPR Cookie Compliance (Moove)",
      "first": [
        "#moove_gdpr_cookie_info_bar"
      ],
      "second": [
        "#moove_gdpr_cookie_modal"
      ]
    },
    {
      "id": "cookienotice",
      "name": "Cookie Notice (WordPress)",
      "first": [
        "#cookie-notice"
      ],
      "second": []
    },
    {
      "id": "finsweet",
      "name": "Finsweet Cookie Consent",
      "first": [
        ".fs-cc-banner_component",
        "[fs-cc='banner']"
      ],
      "second": [
        ".fs-cc-prefs_component",
        "[fs-cc='preferences']"
      ]
    },
    {
      "id": "microsoft-wcp",
      "name": "Microsoft WCP",
      "first": [
        "#wcpConsentBannerCtrl",
        "#msccBannerV2",
        "#msccBanner"
      ],
      "second": []
    },
    {
      "id": "cookiefirst",
      "name": "CookieFirst",
      "first": [
        ".cookiefirst-root",
        "[data-cookiefirst-widget]"
      ],
      "second": []
    },
    {
      "id": "borlabs",
      "name": "Borlabs Cookie",
      "first": [
        "#BorlabsCookieBox",
        "#BorlabsCookieBoxWrap"
      ],
      "second": [
        "#BorlabsCookieBoxPreferences"
      ]
    },
    {
      "id": "klaro",
      "name": "Klaro",
      "first": [
        ".klaro .cookie-notice",
        ".klaro .cookie-modal"
      ],
      "second": [
        ".klaro .cookie-modal .cm-modal"
      ]
    },
    {
      "id": "cookiescript",
      "name": "CookieScript",
      "first": [
        "#cookiescript_injected",
        "#cookiescript_injected_wrapper"
      ],
      "second": [
        "#cookiescript_cookietablewrap"
      ]
    },
    {
      "id": "civic",
      "name": "Civic Cookie Control",
      "first": [
        "#ccc",
        "#ccc-notify"
      ],
      "second": [
        "#ccc-module"
      ]
    },
    {
      "id": "piwikpro",
      "name": "Piwik PRO Consent Manager",
      "first": [
        "#ppms_cm_consent_popup",
        "#ppms_cm_popup_overlay"
      ],
      "second": [
        "#ppms_cm_privacy_settings"
      ]
    },
    {
      "id": "cookieinformation",
      "name": "Cookie Information",
      "first": [
        "#coiOverlay",
        "#coi-banner-wrapper"
      ],
      "second": [
        "#coi-banner-categories"
      ]
    },
    {
      "id": "sirdata",
      "name": "Sirdata",
      "first": [
        "#sd-cmp"
      ],
      "second": []
    },
    {
      "id": "evidon",
      "name": "Crownpeak (Evidon)",
      "first": [
        "#_evidon_banner",
        "#_evidon-banner"
      ],
      "second": [
        "#_evidon-option-panel",
        "#evidon-prefdiag-overlay"
      ]
    }
  ],
  "generic": {
    "$comment": "In-house banners: a candidate is an element matching 'candidates' or a fixed/sticky element near the top of the tree, whose text matches 'vocabulary' and which holds a control. 'dialog_hints' count as overlay evidence when no CSS positions the banner. 'second': an in-house preference layer outside the banner (shown or not) that holds consent vocabulary and a control.",
    "candidates": "[id*=cookie i],[class*=cookie i],[id*=consent i],[class*=consent i],[id*=gdpr i],[class*=gdpr i],[id*=rgpd i],[class*=privacy-banner i],[aria-label*=cookie i],[aria-labelledby*=cookie i],[data-cookie-consent],[data-testid*=consent i],[data-testid*=cookie i],[role=dialog],[role=alertdialog],[aria-modal=true],dialog[open]",
    "vocabulary": "cookie|consent|gdpr|rgpd|dsgvo|tracker|traceur|datenschutz|privacy|confidentialit|privacidad|riservatezza|prywatn|ciasteczk|zgod|einwillig|consentement|consentimiento|consenso|toestemming|akkoord|tracking|traçage|store and/or access information|access information on (your|a) device|personali[sz]ed (ads|advertising|content)|our partners|nos partenaires|unsere partner",
    "second": "[id*=preference i],[class*=preference i],[id*=cookie-settings i],[class*=cookie-settings i],[id*=cookie-options i],[id*=privacy-settings i],[class*=privacy-settings i],[id*=consent-settings i],[class*=consent-settings i]",
    "max_depth": 4,
    "legitimate_interest": "legitimate.?interest|int[ée]r[êe]ts? l[ée]gitimes?|berechtigte[sn]? interesse|inter[ée]s(es)? leg[íi]timo|interess[ei] legittim|gerechtvaardigd[e]? belang|prawnie uzasadnion"
  }
}
;
