"""Urgency phrases and patterns in English, German, French, Spanish and Portuguese, with negation.

A pattern table maps a *kind* (an issue type such as ``outage``, or a marker such as
``production`` or ``workaround``) to regular expressions per language. `find_hits` scans the text
once per pattern and marks a hit as negated when a negation cue ("not", "no", "nicht", "kein",
"pas", "aucun", "sin", "não", "sem", ...) stands just before it in the same clause, so
"the site is not down" and "no data was lost" do not count as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# kind -> lang -> [(pattern, weight)]; weight 1.0 is clear evidence, lower is a hint.
_P = dict[str, list[tuple[str, float]]]

PATTERNS: dict[str, _P] = {
    "outage": {
        "en": [
            (
                r"\b(is|are|went|goes|been|was|were|being|be)(?P<neg> not|n't)? (completely |totally |"
                r"fully )?down\b",
                1,
            ),
            (r"\bdown for (all|every|every ?one|everybody|our)\b", 1),
            (r"\b(outage|downtime)\b", 1),
            (
                r"\b(site|app|api|platform|service|system|server|portal|dashboard)s? "
                r"(is |are )?(offline|unavailable|unreachable|not loading|not responding)",
                1,
            ),
            (r"\bservice unavailable\b", 1),
            (r"\b(5\d\d|gateway) (errors?|timeouts?)\b", 0.8),
            (r"\b(returns?|returning|throws?|throwing|getting|get) (a |an )?(http )?5\d\d\b", 0.8),
            (r"\bnothing (works|is working|loads)\b", 1),
            (
                r"\b(all|every) (requests?|api calls?|calls|pages?|logins?) (fail|are failing|time out)",
                1,
            ),
            (r"\bcannot (be )?(reached|accessed) at all\b", 0.8),
            (
                r"\b(checkout|payments?|orders?|transactions?|webhooks?|sync) (are |is |have )?"
                r"(completely |all )?(failing|stopped|down|broken|not going through)",
                0.8,
            ),
            (r"\b(unreachable|gateway timeout)\b", 1),
            (r"\b(is|are|went|gone|be) (completely )?offline\b", 1),
            (r"\b(seems|appears) to be down\b", 1),
        ],
        "de": [
            (r"\b(ausgefallen|totalausfall|ausfall|systemausfall)\b", 1),
            (
                r"\b(ist|sind|seit \w+) (komplett |völlig |total )?(down|offline|nicht erreichbar)",
                1,
            ),
            (r"\bnicht (mehr )?erreichbar\b", 0.9),
            (r"\b(geht|funktioniert) (gar )?nichts mehr\b", 1),
            (r"\bstörung\b", 0.7),
        ],
        "fr": [
            (r"\b(en panne|panne générale|panne)\b", 1),
            (r"\bhors (service|ligne)\b", 1),
            (r"\b(inaccessible|indisponible)s?\b", 0.9),
            (r"\bplus rien ne (fonctionne|marche)\b", 1),
            (r"\binterruption (de|du) service\b", 1),
        ],
        "es": [
            (r"\b(caíd[oa]s?|se cayó|caída (total|del servicio)?)\b", 1),
            (r"\bfuera de servicio\b", 1),
            (r"\bno funciona nada\b", 1),
            (r"\b(inaccesible|no está disponible|no están disponibles)\b", 0.9),
            (r"\binterrupción del servicio\b", 1),
        ],
        "pt": [
            (r"\b(fora do ar|caiu|caíram)\b", 1),
            (r"\b(indisponível|indisponíveis|inacessível)\b", 0.9),
            (r"\bnada funciona\b", 1),
            (r"\binterrupção (do|de) serviço\b", 1),
            (r"\bpane\b", 0.8),
        ],
    },
    "security": {
        "en": [
            (r"\b(security )?breach(ed)?\b", 1),
            (r"\b(hacked|compromised|ransomware|malware|intrusion)\b", 1),
            (r"\bunauthori[sz]ed (access|logins?|users?|api calls?|changes?|transfers?|admin)", 1),
            (
                r"\b(data|credentials?|api keys?|tokens?|passwords?|customer data) "
                r"(was |were |has been |have been )?(leaked|exposed|stolen)",
                1,
            ),
            (r"\b(leaked|exposed|stolen) (data|credentials?|api keys?|tokens?|passwords?)", 1),
            (r"\b(data leak|account takeover)\b", 1),
            (r"\bsomeone (else )?(logged in|accessed|is using)\b", 0.9),
            (r"\bsuspicious (logins?|activity|access|sign-?ins?|emails?)\b", 0.6),
            (r"\b(phishing|vulnerability|exploit|xss|sql injection)\b", 0.6),
            # fraud and lost or stolen credentials (cards, keys, devices): below 1.0 on purpose,
            # so they read as Urgent security and become an Emergency only with production
            # impact or many users, like any other critical issue
            (
                r"\b(don['’]?t|do not|didn['’]?t|did not|can['’]?t|cannot) recogni[sz]e"
                r"( [\w$€£.,'’-]+){0,4}? "
                r"(charges?|payments?|transactions?|withdrawals?|purchases?|debits?|transfers?|"
                r"logins?|sign-?ins?|devices?|sessions?)\b",
                0.9,
            ),
            (
                r"\b(unrecogni[sz]ed|unauthori[sz]ed|fraudulent|unknown|unfamiliar) (card |atm |cash )?"
                r"(charges?|payments?|transactions?|withdrawals?|purchases?|debits?|direct debits?|"
                r"logins?|sign-?ins?|devices?)\b",
                0.9,
            ),
            (
                r"\b(charges?|payments?|transactions?|withdrawals?|purchases?|debits?|transfers?)"
                r"( [\w-]+){0,4}? (that |which )?((i|we|they|he|she) (didn['’]?t|did not|never|don['’]?t|do not) "
                r"(make|made|authori[sz]e|authori[sz]ed|recogni[sz]e|do|did)|(nobody|no one|none of "
                r"us) (made|authori[sz]ed|approved))\b",
                0.9,
            ),
            (
                r"\b(i|we) (didn['’]?t|did not|never) (make|authori[sz]e|approve) (this|these|that|those|"
                r"the|a|an|any)( \w+)? (charges?|payments?|transactions?|withdrawals?|purchases?|"
                r"transfers?)\b",
                0.9,
            ),
            (
                r"\b(fraudulent|scammed|skimmed|identity theft|victim of (fraud|a scam)|card fraud|"
                r"fraud (on|with|alert|attempt))\b",
                0.9,
            ),
            (
                r"\b(card|cards|wallet|purse|laptop|phone|mobile|bag|handbag|backpack|yubikey|"
                r"security key|device)s? (was |were |has been |have been |got |is |are )?"
                r"(stolen|nicked|pickpocketed)\b",
                0.9,
            ),
            (
                r"\b(stole|stolen|nicked|took) (my|our|the|his|her|their|a) (\w+ )?(card|wallet|purse|"
                r"laptop|phone|bag|identity|credentials|password|api key)",
                0.9,
            ),
            (r"\b(i was|we were|got|been) (robbed|mugged|pickpocketed)\b", 0.9),
            (
                r"\b(lost|misplaced|can['’]?t find|cannot find) (my|our|the|his|her|their|a)"
                r"( company| corporate| business| debit| credit| bank| payment)? "
                r"(card|wallet|purse|yubikey|security key|hardware key)\b",
                0.8,
            ),
            (
                r"\b(card|wallet|purse|yubikey|security key)s? (was |were |has been |have been |got |"
                r"is |are |went )?(lost|missing|misplaced)\b",
                0.8,
            ),
            (
                r"\bsomeone (else )?(has )?(used|been using|got hold of|has|knows|cloned|copied) "
                r"(my|our) (card|account|credentials|login|password|pin|api keys?|identity|"
                r"card details|bank details)",
                0.9,
            ),
            (
                r"\b(someone|somebody) (else )?(has )?(withdrew|withdrawn|took|taken|spent|stole|"
                r"transferred) (\w+ )?(money|cash|funds)",
                0.9,
            ),
            (
                r"\b(money|funds|cash) (was |were |has been |have been )?(taken|withdrawn|stolen|"
                r"missing) from (my|our) (account|card|wallet)",
                0.9,
            ),
            (
                r"\b(card|account|credentials|password|api keys?|e-?mail account|card details)s? "
                r"(has been |have been |was |were |got |is |are )?(cloned|skimmed|phished|hijacked|"
                r"taken over)\b",
                0.9,
            ),
            (
                r"\b(logins?|log-ins?|sign-?ins?|access|activity|sessions?|logged in|signed in|"
                r"connections?) from (an? )?((unknown|unfamiliar|unrecogni[sz]ed|foreign|strange|"
                r"suspicious) (country|countries|location|device|ip|ip address|city|browser)|"
                r"(another|a different|other) (country|countries))\b",
                0.9,
            ),
            (
                r"\b(pin|pin code|pin number|passcode) (is |was |got |has been |has got |became |"
                r"now |been )?(blocked|locked|disabled)\b",
                0.8,
            ),
            (r"\b(blocked|locked) (my |the |our )?(pin|passcode)\b", 0.8),
            (
                r"\b(wrong|incorrect|invalid) (pin|passcode)( \w+)? (too many|three|3|several) times|"
                r"\btoo many (wrong |incorrect |failed |invalid )?(pin|passcode) (attempts|entries|tries)",
                0.8,
            ),
            (
                r"\b(atm|cash machine|cashpoint|machine|terminal) (ate|swallowed|kept|retained|took|"
                r"has eaten|has kept|has swallowed|did not return|didn['’]?t return|won['’]?t return|"
                r"never returned|would not return) (my |our |the )?card\b",
                0.8,
            ),
            (
                r"\bcard (was |got |has been |is )?(swallowed|eaten|retained|stuck|kept) (by|in) "
                r"(the |an |a )?(atm|machine|cash machine|cashpoint)\b",
                0.8,
            ),
            (r"\b(freeze|block) (my|our|the) (company |corporate |debit |credit )?cards?\b", 0.8),
        ],
        "de": [
            (r"\b(sicherheitsvorfall|datenleck|datenpanne|gehackt|kompromittiert)\b", 1),
            (r"\bunbefugte[rn]? (zugriff|zugang|anmeldung)", 1),
            (
                r"\b(angriff|sicherheitslücke|verdächtige[rn]? (anmeldung|zugriff|aktivität)\w*)",
                0.6,
            ),
            (
                r"\b(\w*karte|geldbörse|portemonnaie|brieftasche|laptop|handy|smartphone|"
                r"zugangsdaten|passwort|api-schlüssel)( wurde| ist| wurden| sind)?( mir| uns)? "
                r"(gestohlen|geklaut|verloren gegangen|abhanden gekommen)",
                0.9,
            ),
            (r"\b(gestohlene|geklaute)[nrs]? (\w*karte|zugangsdaten|geldbörse|laptop|handy)", 0.9),
            (r"\b(meine|unsere|die) (\w*karte|geldbörse) verloren", 0.8),
            (
                r"\b(unbekannte|nicht autorisierte|unberechtigte|betrügerische)[nr]? (abbuchung|"
                r"zahlung|transaktion|buchung|abhebung|lastschrift|anmeldung)",
                0.9,
            ),
            (
                r"\b(abbuchung|zahlung|transaktion|buchung|abhebung|lastschrift)\w*,? die (ich|wir) "
                r"(nicht|nie) (kenne|kennen|getätigt|veranlasst|gemacht|autorisiert)",
                0.9,
            ),
            (r"\b(betrugsfall|betrugsverdacht|kartenmissbrauch|identitätsdiebstahl)\b", 0.9),
            (r"\bpin( \w+)? (ist |wurde )?gesperrt", 0.8),
            (
                r"\b(anmeldung|login|zugriff)\w* (aus|von) (einem )?(anderen|fremden|unbekannten) "
                r"(land|ländern|gerät|standort)",
                0.9,
            ),
        ],
        "fr": [
            (r"\b(faille|violation) de (sécurité|données)\b", 1),
            (r"\b(piraté|compromis|fuite de données|intrusion)\b", 1),
            (r"\baccès non autorisé", 1),
            (r"\b(attaque|vulnérabilité|hameçonnage|connexions? suspecte)", 0.6),
            (
                r"\b(carte|portefeuille|ordinateur portable|téléphone|identifiants)( bancaire| de "
                r"crédit)? (a été |m'a été |nous a été |ont été )?(volée?s?|dérobée?s?|avalée)",
                0.9,
            ),
            (r"\b(on m'a volé|on nous a volé|vol de (ma |notre |la )?carte)", 0.9),
            (r"\b(j'ai perdu|nous avons perdu|je ne trouve plus) (ma|notre|la) carte", 0.8),
            (r"\bcarte( bancaire| de crédit)? (a été )?perdue", 0.8),
            (
                r"\b(paiement|opération|transaction|prélèvement|retrait|achat|débit)s? (non "
                r"autorisée?s?|frauduleu(x|se|ses)|inconnue?s?|non reconnue?s?)",
                0.9,
            ),
            (
                r"\b(je ne reconnais pas|nous ne reconnaissons pas)( \w+){0,3} (paiement|opération|"
                r"transaction|prélèvement|retrait|achat|débit)s?",
                0.9,
            ),
            (r"\b(fraude|escroquerie|usurpation d'identité)\b", 0.9),
            (r"\b(code )?pin (est |a été )?bloqué", 0.8),
            (
                r"\bconnexions? (\w+ )?depuis (un autre pays|l'étranger|un appareil inconnu|un pays "
                r"inconnu)",
                0.9,
            ),
        ],
        "es": [
            (r"\b(brecha|violación) de (seguridad|datos)\b", 1),
            (r"\b(hackead[oa]s?|comprometid[oa]s?|fuga de datos|intrusión)\b", 1),
            (r"\bacceso no autorizado", 1),
            (r"\b(ataque|vulnerabilidad|actividad sospechosa|suplantación)", 0.6),
            (r"\b(me|nos) (robaron|han robado|robó|clonaron)\b", 0.9),
            (
                r"\b(tarjeta|cartera|billetera|portátil|móvil|celular|credenciales)( de crédito| de "
                r"débito)? (fue |ha sido |fueron |han sido )?(robad[oa]s?|clonad[oa]s?)",
                0.9,
            ),
            (r"\btarjeta( de crédito| de débito)? (fue |ha sido |está )?(perdida|extraviada)", 0.8),
            (r"\b(perdí|hemos perdido|perdimos|no encuentro) (mi|la|nuestra) tarjeta", 0.8),
            (r"\bcajero (se tragó|retuvo|se quedó con) (mi|la) tarjeta", 0.8),
            (
                r"\b(cargos?|cobros?|pagos?|transacci(ón|ones)|compras?|retiros?|movimientos?) (no "
                r"autorizad[oa]s?|no reconocid[oa]s?|fraudulent[oa]s?|desconocid[oa]s?)",
                0.9,
            ),
            (
                r"\bno (reconozco|reconocemos)( \w+){0,3} (cargo|cobro|pago|transacción|compra|retiro|"
                r"movimiento)s?",
                0.9,
            ),
            (r"\b(fraude|estafa|robo de identidad)\b", 0.9),
            (r"\bpin (está |fue |ha sido )?bloqueado", 0.8),
            (
                r"\b(inicios? de sesión|accesos?) desde (otro país|un país desconocido|un dispositivo "
                r"desconocido)",
                0.9,
            ),
        ],
        "pt": [
            (r"\b(violação|brecha) de (segurança|dados)\b", 1),
            (r"\b(hackead[oa]s?|invadid[oa]s?|comprometid[oa]s?|vazamento de dados)\b", 1),
            (r"\bacesso não autorizado", 1),
            (r"\b(ataque|vulnerabilidade|atividade suspeita)", 0.6),
            (r"\b(roubaram|furtaram|clonaram)\b", 0.9),
            (
                r"\b(cartão|carteira|notebook|celular|credenciais)( de crédito| de débito)? (foi |foram "
                r"|tinha sido )?(roubad[oa]s?|furtad[oa]s?|clonad[oa]s?)",
                0.9,
            ),
            (r"\bcartão( de crédito| de débito)? (foi |está )?(perdido|extraviado|retido)", 0.8),
            (r"\b(perdi|perdemos|não encontro) (o |a )?(meu|minha|nosso) (cartão|carteira)", 0.8),
            (r"\bcaixa (eletrônico )?(engoliu|reteve|ficou com) (o |meu )+cartão", 0.8),
            (
                r"\b(compras?|cobranças?|pagamentos?|transaç(ão|ões)|saques?|débitos?|"
                r"movimentaç(ão|ões)) (não autorizad[oa]s?|não reconhecid[oa]s?|fraudulent[oa]s?|"
                r"desconhecid[oa]s?)",
                0.9,
            ),
            (
                r"\bnão (reconheço|reconhecemos)( \w+){0,3} (compra|cobrança|pagamento|transação|"
                r"saque|débito)s?",
                0.9,
            ),
            (r"\b(fraude|golpe|roubo de identidade)\b", 0.9),
            (r"\b(senha|pin)( do cartão)? (está |foi )?bloquead[oa]", 0.8),
            (r"\b(login|acesso)s? (de|a partir de) (outro país|um dispositivo desconhecido)", 0.9),
        ],
    },
    "data_loss": {
        "en": [
            (r"\bdata loss\b", 1),
            (
                r"\blost (all |our |the |some )?(data|records|files|orders|entries|history|"
                r"documents|contacts|tickets|invoices)",
                1,
            ),
            (
                r"\b(data|records|files|entries|rows|documents|orders|contacts|tickets|invoices|"
                r"projects|history)( \w+){0,3} (are |is |were |was |have been |has been |got )?"
                r"(lost|wiped|gone|erased|corrupted|deleted|overwritten|disappeared|vanished)",
                1,
            ),
            (r"\b(wiped|erased|purged) (out )?(all|our|the)\b", 0.9),
            (r"\b(disappeared|vanished)\b", 0.7),
            (r"\bcorrupt(ed|ion)\b", 0.8),
            (r"\b(appears|is|are|looks|now) (completely )?empty\b", 0.8),
            (r"\bno data (shows|showing|is shown|appears|visible)", 0.8),
        ],
        "de": [
            (r"\b(datenverlust|daten (sind |wurden )?(verloren|gelöscht|weg|verschwunden))", 1),
            (r"\b(verschwunden|überschrieben|beschädigt)\b", 0.7),
        ],
        "fr": [
            (r"\bpertes? de données\b", 1),
            (
                r"\bdonnées (ont été )?(perdues|supprimées|effacées|disparues|corrompues|écrasées)",
                1,
            ),
            (r"\b(disparu|disparues|effacées)\b", 0.7),
        ],
        "es": [
            (r"\bpérdida de (datos|información)\b", 1),
            (
                r"\b(datos|registros|pedidos) (se han )?(perdidos|borrados|eliminados|"
                r"desaparecidos|corruptos)",
                1,
            ),
            (r"\bse (perdieron|borraron|eliminaron)\b", 0.9),
            (r"\bdesaparecieron\b", 0.7),
        ],
        "pt": [
            (r"\bperda de (dados|informações)\b", 1),
            (r"\b(dados|registros|pedidos) (foram )?(perdidos|apagados|excluídos|corrompidos)", 1),
            (r"\b(sumiram|desapareceram|foram apagados)\b", 0.8),
        ],
    },
    "access": {
        "en": [
            (
                r"\b(can ?not|can't|cant|unable to|not able to) (log ?in|sign ?in|login|access|"
                r"get into)",
                1,
            ),
            (
                r"\b(no ?one|nobody|no users?|none of (our|the) users) (can|is able to|are able to) "
                r"(log|sign|access|get)",
                1,
            ),
            (r"\blocked out\b", 1),
            (
                r"\b(login|sign-?in|sso|saml|2fa|mfa|two-factor) (is |are )?(fails|failing|broken|"
                r"not working|error|down)",
                1,
            ),
            (r"\b(access denied|permission denied|403 forbidden)\b", 0.8),
            (r"\bpassword reset (email )?(is )?(not|never) (working|arriving|arrives)", 0.8),
            (r"\b(keeps?|kept) (getting )?(logged|signed|kicked) out\b", 0.9),
        ],
        "de": [
            (r"\b(kann|können) (mich|uns|sich) nicht (mehr )?(anmelden|einloggen)", 1),
            (r"\b(anmeldung|login|sso) (schlägt fehl|funktioniert nicht|nicht möglich)", 1),
            (r"\b(ausgesperrt|kein zugriff|zugriff verweigert)\b", 0.9),
        ],
        "fr": [
            (
                r"\b(impossible de|n'arrive pas à|n'arrivons pas à|ne peu\w+ (pas|plus)) "
                r"(me |nous |se )?(connecter|accéder)",
                1,
            ),
            (r"\b(connexion impossible|accès refusé|compte bloqué)\b", 0.9),
        ],
        "es": [
            (
                r"\bno (puedo|podemos|pueden|consigo|conseguimos) (iniciar sesión|entrar|acceder|"
                r"conectar)",
                1,
            ),
            (r"\b(acceso denegado|cuenta bloqueada|inicio de sesión falla)\b", 0.9),
        ],
        "pt": [
            (r"\bnão (consigo|conseguimos|conseguem) (fazer login|entrar|acessar|logar)", 1),
            (r"\b(acesso negado|conta bloqueada|login não funciona)\b", 0.9),
        ],
    },
    "performance": {
        "en": [
            (r"\b(very |extremely |really |super )?(slow|sluggish|laggy)\b", 1),
            (r"\b(latency|timeouts?|timing out|times out)\b", 1),
            (
                r"\b(takes?|taking) (more than |over )?(forever|ages|minutes|a minute|\d+ (seconds|minutes))",
                0.9,
            ),
            (r"\b(arrive|arrives|arriving|are|is|come|comes) (\w+ )?(\w+ )?(late|delayed)\b", 0.8),
            (r"\bdelay(ed|s)?\b", 0.7),
            (r"\b(degraded|performance (issue|problem|degradation)|hangs|freez(es|ing))\b", 0.9),
        ],
        "de": [
            (r"\b(verspätet|verzögert)\b", 0.8),
            (r"\b(langsam|träge|zeitüberschreitung|timeouts?|verzögerung|ladezeit\w*|hängt)\b", 1),
        ],
        "fr": [
            (
                r"\b(en retard|retard|lent|lente|lents|lentes|lenteur|latence|dégradée?s?|délai d'attente)\b",
                1,
            )
        ],
        "es": [
            (r"\b(retraso|lent[oa]s?|lentitud|latencia|degradad[oa]|tiempo de espera)\b", 1),
            (r"\btarda (mucho|minutos)\b", 0.9),
        ],
        "pt": [
            (r"\b(atraso|lent[oa]s?|lentidão|latência|degradad[oa]|tempo limite|travando)\b", 1)
        ],
    },
    "bug": {
        "en": [
            (r"\b(bug|glitch|exception|stack ?trace|error message|error code)\b", 1),
            (r"\b(errors?)\b", 0.6),
            (
                r"\b(not working|doesn't work|does not work|isn't working|stopped working|broken)\b",
                1,
            ),
            (r"\b(fails?|failing|failed|crash(es|ed|ing)?)\b", 0.8),
            (
                r"\b(wrong|incorrect) (value|amount|total|data|results?|numbers?|dates?|timezone)",
                0.9,
            ),
            (
                r"\b(doesn't|does not|won't|will not|did not|didn't) (save|load|open|sync|update|show|"
                r"display|send|find|refresh|arrive|run|work)",
                0.9,
            ),
            (r"\bstopped (working|running|going out|sending|syncing|firing|arriving|updating)", 1),
            (
                r"\b(stuck|rejects?|rejected|drops?|dropped|duplicated?|twice|overlaps?|off by)\b",
                0.7,
            ),
            (
                r"\b(not|never|weren't|wasn't|aren't) (being )?(delivered|routed|sent|received|shown|"
                r"turned into|created|imported|applied|triggered)",
                0.9,
            ),
            (r"\b(shows?|showing|displays?) (the )?wrong\b", 0.9),
            (r"\b(loses|lost) (the )?(formatting|bold|settings|filters?)", 0.8),
        ],
        "de": [
            (r"\b(fehler\w*|bug|kaputt|absturz|stürzt ab)\b", 1),
            (r"\b(funktioniert|geht) nicht\b", 1),
            (r"\b(falsch\w*)\b", 0.6),
            (r"\b(bricht (\w+ )?ab|hängt|doppelt|bekommen keine)\b", 0.8),
        ],
        "fr": [
            (r"\b(bug|bogue|erreur|plantage|plante|cassé)\b", 1),
            (r"\bne (fonctionne|marche) (pas|plus)\b", 1),
            (r"\bincorrecte?s?\b", 0.6),
            (r"\b(échou\w*|bloqué\w*|doublons?)\b", 0.9),
        ],
        "es": [
            (r"\b(error|fallo|falla|bug|roto|se cuelga)\b", 1),
            (r"\bno funciona\b", 1),
            (r"\bincorrect[oa]s?\b", 0.6),
            (r"\b(no (carga|cargan|llegan|se envían)|duplicad[oa]s?|falló)\b", 0.9),
        ],
        "pt": [
            (r"\b(erro|falha|bug|quebrad[oa]|trava)\b", 1),
            (r"\bnão funciona\b", 1),
            (r"\bincorret[oa]s?\b", 0.6),
            (r"\b(pararam|parou|dá erro|duplicad[oa]s?)\b", 0.9),
        ],
    },
    "billing": {
        "en": [
            (
                r"\b(invoices?|billing|billed|refund|receipt|vat|overcharged|charged twice|"
                r"double charged|credit card|pro-?rat\w*|purchase order)\b",
                1,
            ),
            (r"\b(charge|charged|payment method|pricing|price increase)\b", 0.6),
        ],
        "de": [
            (
                r"\b(rechnung\w*|abrechnung|zahlung\w*|gutschrift|rückerstattung|abgebucht|"
                r"mwst|kreditkarte)\b",
                1,
            )
        ],
        "fr": [(r"\b(factur\w+|paiement|remboursement|prélèvement|tva|carte bancaire)\b", 1)],
        "es": [(r"\b(factura\w*|cobro|cobrado|cobraron|reembolso|pago|tarjeta de crédito)\b", 1)],
        "pt": [(r"\b(fatura\w*|cobrança|cobrad[oa]|reembolso|pagamento|nota fiscal|boleto)\b", 1)],
    },
    "how_to": {
        "en": [
            (r"\bhow (do|can|should|would|to) ?(i|we|you|one)?\b", 1),
            (
                r"\b(is there a way|what is the best way|where (do|can) (i|we)|step[- ]by[- ]step)",
                1,
            ),
            (
                r"\b(can|could) (i|we) (set|configure|change|export|import|add|create|customi[sz]e|"
                r"schedule|use|connect|integrate)",
                0.8,
            ),
            (r"\b(configure|set ?up|documentation|tutorial|guide)\b", 0.5),
            (r"\b(want|like|need) to (know|understand) how\b", 1),
            (r"\bwhat is the difference between\b", 0.8),
        ],
        "de": [
            (r"\bwie (kann|können|muss|müssen|stelle|richte|lege|exportiere) (ich|wir|man)?", 1),
            (r"\bwie \w+ (ich|wir|man)\b", 0.9),
            (
                r"\b(gibt es eine möglichkeit|wo finde ich|anleitung|einrichten|konfigurieren)\b",
                0.8,
            ),
        ],
        "fr": [
            (r"\bcomment (puis-je|pouvons-nous|faire|faut-il|configurer|on|ajouter|exporter)", 1),
            (r"\bcomment \w+(er|ir|re)\b", 0.9),
            (r"\b(est-il possible|où (puis-je|trouver)|configurer|paramétrer)\b", 0.8),
        ],
        "es": [
            (r"\bcómo (puedo|podemos|se|hago|configuro|agrego|exporto)\b", 1),
            (r"\bcómo \w+\b", 0.8),
            (r"\b(hay (alguna )?(manera|forma)|dónde (puedo|encuentro)|configurar)\b", 0.8),
        ],
        "pt": [
            (r"\bcomo (posso|podemos|faço|configuro|se|adiciono|exporto)\b", 1),
            (r"\bcomo \w+(ar|er|ir|o)\b", 0.8),
            (r"\b(saber como|quero saber)\b", 0.9),
            (r"\b(existe (alguma )?(forma|maneira)|onde (posso|encontro)|configurar)\b", 0.8),
        ],
    },
    "feature_request": {
        "en": [
            (
                r"\b(feature request|enhancement|would love|please add|could you add|"
                r"it would be (great|nice|helpful|useful)|would be (great|nice|helpful|useful) if)",
                1,
            ),
            (r"\b(are you|do you) plan(ning)? to (add|support|build|offer)", 1),
            (r"\b(suggestion|roadmap|wishlist)\b", 0.7),
        ],
        "de": [
            (
                r"\b(funktionswunsch|feature-?wunsch|wäre (schön|toll|hilfreich|super|praktisch)|"
                r"vorschlag|roadmap|wünschen uns|bitte (fügen|ergänzen))",
                1,
            )
        ],
        "fr": [
            (
                r"\b(demande de fonctionnalité|serait (bien|utile|génial|pratique)|"
                r"pourriez-vous ajouter|suggestion|feuille de route)",
                1,
            )
        ],
        "es": [
            (
                r"\b(solicitud de (función|funcionalidad)|sería (genial|útil|bueno|ideal)|"
                r"podrían (añadir|agregar|incluir)|sugerencia|hoja de ruta)",
                1,
            )
        ],
        "pt": [
            (
                r"\b(solicitação de (recurso|funcionalidade)|seria (ótimo|útil|bom|legal)|"
                r"poderiam (adicionar|incluir)|sugestão|roadmap)",
                1,
            )
        ],
    },
    "account_admin": {
        "en": [
            (
                r"\b(add|remove|invite|deactivate|offboard|delete) (a |an |the |two |\d+ )?(new )?"
                r"(users?|seats?|admins?|members?|colleagues?)\b",
                1,
            ),
            (
                r"\b(change|update|transfer) (the |our |my )?(account )?(owner(ship)?|admin\w*|"
                r"company name|billing contact|address|email address|plan)\b",
                1,
            ),
            (
                r"\b(upgrade|downgrade) (our |my |the )?(plan|subscription)|cancel (our |my )?"
                r"subscription|more (seats|licen[cs]es)\b",
                1,
            ),
            (r"\b(add-?on|our contract|rename (our |the )?(workspace|account))\b", 0.8),
        ],
        "de": [
            (
                r"\b(benutzer|nutzer|lizenzen?)( \w+)? (hinzufügen|entfernen|anlegen|löschen)|"
                r"(administrator|firmenname|rechnungsadresse) ändern|konto löschen|zusätzliche "
                r"lizenzen",
                1,
            )
        ],
        "fr": [
            (
                r"\b(ajouter|supprimer|retirer) (un |des |deux )?(nouveaux? )?utilisateurs?|"
                r"changer (l'|d')?administrateur|licences supplémentaires|changer de formule",
                1,
            )
        ],
        "es": [
            (
                r"\b(añadir|agregar|eliminar|quitar) (un |dos |\d+ )?(nuevos? )?usuarios?|"
                r"cambiar (el )?administrador|licencias adicionales|cambiar de plan",
                1,
            )
        ],
        "pt": [
            (
                r"\b(adicionar|remover|excluir) (um |dois |\d+ )?(novos? )?usuários?|"
                r"alterar (o )?administrador|licenças adicionais|mudar de plano",
                1,
            )
        ],
    },
    "informational": {
        "en": [
            (r"\b(do|does) (you|your|it|the product) (support|offer|have|provide|integrate)", 1),
            (
                r"\b(status page|maintenance window|release notes|changelog|sla|uptime|soc ?2|"
                r"iso ?27001|gdpr|dpa|security questionnaire|pen ?test report|data residency)\b",
                0.8,
            ),
            (r"\b(just (wanted to let you know|fyi)|fyi|for your information|no action needed)", 1),
            (r"\bwhen will .{0,40}(be (released|available)|ship)\b", 0.8),
            (r"\bwhat (is|are) (the|your) (\w+ )?(limit|limits|pricing|plans?|policy)\b", 0.8),
            (
                r"\b(which (browsers|languages|versions|integrations|regions)|will there be|how long "
                r"do you (keep|retain|store)|what does .{1,30} cost|compliant|compliance|"
                r"certification|certified|hipaa|wcag|retention policy)",
                1,
            ),
            (r"\b((thank you|thanks) for|letting you know|happy to be|great job|kudos)\b", 0.8),
        ],
        "de": [
            (
                r"\b(unterstützt ihr|unterstützen sie|bietet ihr|bieten sie|statusseite|"
                r"wartungsfenster|zur info|zu ihrer information|dsgvo|avv|plant ihr|anzubieten)\b",
                1,
            )
        ],
        "fr": [
            (
                r"\b(proposez-vous|supportez-vous|prenez-vous en charge|page de statut|"
                r"maintenance (prévue|programmée)|pour information|pour info|rgpd)\b",
                1,
            )
        ],
        "es": [
            (
                r"\b(ofrecen|soportan|admiten|página de estado|mantenimiento programado|"
                r"para su información|rgpd)\b",
                1,
            )
        ],
        "pt": [
            (
                r"\b(vocês (oferecem|suportam|têm)|página de status|manutenção programada|"
                r"para sua informação|lgpd|certificação)\b",
                1,
            )
        ],
    },
    # ---- markers: not issue types, they qualify the impact -------------------------------
    "production": {
        "en": [
            (
                r"\b(production|prod|live (site|system|environment|store|app|traffic)|"
                r"customer-facing|(all|our) (customers|clients|end users|shoppers)|revenue|"
                r"checkout|storefront)\b",
                1,
            )
        ],
        "de": [(r"\b(produktion|produktiv\w*|live-?system|alle kunden|unsere kunden|umsatz)\b", 1)],
        "fr": [
            (
                r"\b(production|en prod|tous (nos|les) clients|chiffre d'affaires|boutique en "
                r"ligne)\b",
                1,
            )
        ],
        "es": [(r"\b(producción|todos (nuestros|los) clientes|ventas|tienda en línea)\b", 1)],
        "pt": [(r"\b(produção|todos os (nossos )?clientes|vendas|faturamento|loja online)\b", 1)],
    },
    "production_unaffected": {
        "en": [
            (
                r"\b(production (is |was )?(not |un)affected|(not|no) (affecting|impact on) "
                r"production|production (is )?(fine|ok|working|running normally)|only (in )?"
                r"(staging|our test))",
                1,
            )
        ],
        "de": [(r"\bproduktion (ist )?nicht betroffen|keine auswirkung auf (die )?produktion", 1)],
        "fr": [(r"\b(la )?production n'est pas (impactée|affectée|touchée)", 1)],
        "es": [(r"\b(la )?producción no (está |ha sido )?afectada", 1)],
        "pt": [(r"\b(a )?produção não (foi |está )?afetada", 1)],
    },
    "nonprod": {
        "en": [
            (
                r"\b(staging|sandbox|test (environment|system|instance|account|tenant)|"
                r"dev(elopment)? (environment|instance)|qa environment|uat)\b",
                1,
            )
        ],
        "de": [(r"\b(testumgebung|testsystem|staging|sandbox|entwicklungsumgebung)\b", 1)],
        "fr": [(r"\b(environnement de (test|recette|développement)|recette|sandbox|staging)\b", 1)],
        "es": [(r"\b(entorno de (pruebas|desarrollo)|sandbox|staging)\b", 1)],
        "pt": [
            (
                r"\b(ambiente de (teste|testes|homologação|desenvolvimento)|homologação|sandbox|"
                r"staging)\b",
                1,
            )
        ],
    },
    "many_users": {
        "en": [
            (
                r"\b(all|every one of) (of )?(our |the )?(users|customers|employees|staff|agents|"
                r"team|clients|accounts|stores|locations)\b",
                1,
            ),
            (
                r"\b(everyone|everybody|no ?one|nobody|whole (company|team|org)|entire "
                r"(company|team|org|organi[sz]ation|sales team|support team))\b",
                1,
            ),
            (r"\b(hundreds|thousands|dozens) of\b", 1),
        ],
        "de": [
            (
                r"\b(alle (benutzer|nutzer|kunden|mitarbeiter\w*|kollegen)|niemand|das ganze "
                r"(team|unternehmen)|die ganze firma|hunderte|tausende)\b",
                1,
            )
        ],
        "fr": [
            (
                r"\b(tous (les|nos) (utilisateurs|clients|employés|collaborateurs|agents)|"
                r"personne ne|toute l'équipe|toute l'entreprise|des centaines)\b",
                1,
            )
        ],
        "es": [
            (
                r"\b(todos (los|nuestros) (usuarios|clientes|empleados|agentes)|nadie|toda la "
                r"(empresa|organización|plantilla)|cientos de)\b",
                1,
            )
        ],
        "pt": [
            (
                r"\b(todos os (nossos )?(usuários|clientes|funcionários|agentes)|ninguém|toda a "
                r"(empresa|equipe)|centenas de)\b",
                1,
            )
        ],
    },
    "single_user": {
        "en": [
            (
                r"\b(only (me|my account|one user|for me|affects me)|just (me|my account|one "
                r"user)|one (of our )?users?|a single user|one colleague|everyone else|"
                r"(the )?others are fine|rest of the team)\b",
                1,
            )
        ],
        "de": [
            (
                r"\b(nur (ich|bei mir|ein benutzer|ein nutzer|mein konto)|ein einzelner "
                r"(benutzer|nutzer)|ein kollege|eine kollegin)\b",
                1,
            )
        ],
        "fr": [
            (
                r"\b(seulement moi|uniquement (moi|mon compte)|un seul utilisateur|un collègue|"
                r"une collègue)\b",
                1,
            )
        ],
        "es": [
            (
                r"\b(solo (yo|a mí|mi cuenta|un usuario)|un solo usuario|un compañero|una "
                r"compañera)\b",
                1,
            )
        ],
        "pt": [
            (
                r"\b(só (eu|comigo|minha conta)|apenas (eu|um usuário|minha conta)|um único "
                r"usuário|um colega|uma colega)\b",
                1,
            )
        ],
    },
    "no_workaround": {
        "en": [
            (
                r"\b(no workaround|no way around|completely blocked|(cannot|can't) (work|continue"
                r"|do our jobs)|work has stopped|at a standstill|blocked entirely|all blocked|"
                r"(are|is|am|completely|totally) blocked|cannot work)\b",
                1,
            )
        ],
        "de": [
            (
                r"\b(kein workaround|keine umgehung|komplett blockiert|können nicht (mehr )?"
                r"arbeiten|stillstand)\b",
                1,
            )
        ],
        "fr": [
            (
                r"\b(aucune solution de contournement|pas de contournement|complètement "
                r"bloqués?|ne pouvons plus travailler)\b",
                1,
            )
        ],
        "es": [
            (
                r"\b(sin solución alternativa|ninguna solución alternativa|completamente "
                r"bloqueados?|no podemos trabajar|paralizad[oa]s?)\b",
                1,
            )
        ],
        "pt": [
            (
                r"\b(sem solução alternativa|nenhuma solução alternativa|completamente "
                r"bloqueados?|não conseguimos trabalhar|parad[oa]s?)\b",
                1,
            )
        ],
    },
    "workaround": {
        "en": [
            (
                r"\b(workaround|work around it|(we|i) can still|for now we|manually|in the "
                r"meantime|still works|still working|other browser|intermittent(ly)?|"
                r"sometimes|occasionally)\b",
                1,
            )
        ],
        "de": [
            (
                r"\b(workaround|umgehungslösung|vorerst|manuell|zwischenzeitlich|funktioniert "
                r"noch|manchmal|sporadisch)\b",
                1,
            )
        ],
        "fr": [
            (
                r"\b(contournement|manuellement|en attendant|fonctionne encore|parfois|"
                r"par intermittence)\b",
                1,
            )
        ],
        "es": [
            (
                r"\b(solución alternativa|manualmente|por ahora|mientras tanto|todavía funciona"
                r"|a veces|intermitente)\b",
                1,
            )
        ],
        "pt": [
            (
                r"\b(solução alternativa|contorno|manualmente|por enquanto|enquanto isso|"
                r"ainda funciona|às vezes|intermitente)\b",
                1,
            )
        ],
    },
    "minor": {
        "en": [
            (
                r"\b(cosmetic|minor|small thing|typo|everything else (is fine|works)|no harm|"
                r"not a big deal|low priority|when you (get|have) (a chance|time))\b",
                1,
            )
        ],
        "de": [(r"\b(kosmetisch|kleinigkeit|tippfehler|nicht so wichtig|keine eile)\b", 1)],
        "fr": [(r"\b(cosmétique|détail|faute de frappe|pas pressé)\b", 1)],
        "es": [(r"\b(cosmético|detalle menor|errata|sin prisa)\b", 1)],
        "pt": [(r"\b(cosmético|detalhe|erro de digitação|sem pressa)\b", 1)],
    },
    "deadline": {
        "en": [
            (
                r"\b(deadline|by (monday|tuesday|wednesday|thursday|friday|tomorrow|tonight|"
                r"end of (the )?(day|week|month)|eod|eow)|before (the |our )?(launch|release|"
                r"board|audit|go-?live|demo)|month-end|payroll|go-?live)\b",
                1,
            )
        ],
        "de": [
            (
                r"\b(frist|deadline|bis morgen|bis freitag|monatsabschluss|go-?live|"
                r"vor dem (launch|audit))\b",
                1,
            )
        ],
        "fr": [
            (
                r"\b(échéance|date limite|avant demain|d'ici (demain|vendredi)|clôture "
                r"mensuelle|mise en production)\b",
                1,
            )
        ],
        "es": [
            (
                r"\b(plazo|fecha límite|para mañana|antes del viernes|cierre de mes|"
                r"lanzamiento)\b",
                1,
            )
        ],
        "pt": [(r"\b(prazo|data limite|até amanhã|até sexta|fechamento do mês|lançamento)\b", 1)],
    },
    "resolved": {
        "en": [
            (
                r"\b((is|are) (back|working again|up again)|back (up|online|to normal)|"
                r"(has|have) been (resolved|restored|fixed)|resolved (itself|now)|working (again|"
                r"fine now)|root cause|post-?mortem|rca|incident report|after the (outage|"
                r"incident)|(last|yesterday'?s?) (outage|incident))\b",
                1,
            )
        ],
        "de": [
            (
                r"\b(wieder (da|erreichbar|online|verfügbar)|funktioniert wieder|behoben|"
                r"ursachenanalyse|ursache des (ausfalls|vorfalls)|nach dem ausfall)\b",
                1,
            )
        ],
        "fr": [
            (
                r"\b(fonctionne à nouveau|refonctionne|rétabli|résolu|analyse des causes|"
                r"cause (racine|du problème)|après la panne)\b",
                1,
            )
        ],
        "es": [
            (
                r"\b(volvió a funcionar|funciona de nuevo|restablecid[oa]|resuelto|causa raíz|"
                r"después de la caída)\b",
                1,
            )
        ],
        "pt": [
            (
                r"\b(voltou a funcionar|funciona novamente|restabelecid[oa]|resolvido|causa raiz|"
                r"após a queda)\b",
                1,
            )
        ],
    },
    "urgency_claim": {
        "en": [
            (
                r"\b(urgent(ly)?|asap|emergency|critical|immediately|right now|top priority|"
                r"high priority)\b",
                1,
            )
        ],
        "de": [(r"\b(dringend|sofort|notfall|kritisch|eilt|umgehend)\b", 1)],
        "fr": [(r"\b(urgent|urgence|immédiatement|critique|au plus vite|tout de suite)\b", 1)],
        "es": [
            (r"\b(urgente|urgencia|inmediato|inmediatamente|crítico|cuanto antes|ya mismo)\b", 1)
        ],
        "pt": [(r"\b(urgente|urgência|imediatamente|crítico|o quanto antes|agora mesmo)\b", 1)],
    },
    "call_request": {
        "en": [
            (
                r"\b(call me|phone me|give (me|us) a call|call (us|back)|ring me|on the phone|"
                r"phone call|jump on a call|hop on a call|callback)\b",
                1,
            )
        ],
        "de": [(r"\b(rufen sie (mich|uns) an|ruft (mich|uns) an|rückruf|anrufen|telefonat)\b", 1)],
        "fr": [(r"\b(appelez-(moi|nous)|rappelez-(moi|nous)|appel téléphonique|me rappeler)\b", 1)],
        "es": [(r"\b(llámenme|llámame|llámennos|llamada|llamarme)\b", 1)],
        "pt": [(r"\b(me liguem|me ligue|liguem para|ligação|telefonema)\b", 1)],
    },
}

ISSUE_KINDS = (
    "security",
    "data_loss",
    "outage",
    "access",
    "performance",
    "bug",
    "billing",
    "account_admin",
    "how_to",
    "feature_request",
    "informational",
)

_NEGATION_CUES = frozenset(
    {
        # en
        "not", "no", "never", "without", "nothing", "none", "neither", "nor", "hardly",
        # de
        "nicht", "kein", "keine", "keinen", "keiner", "keinem", "ohne", "nie", "niemals",
        # fr
        "pas", "aucun", "aucune", "sans", "jamais", "ni", "rien",
        # es
        "sin", "ningún", "ninguna", "ninguno", "nunca", "nada",
        # pt
        "não", "nao", "sem", "nenhum", "nenhuma",
    }
)  # fmt: skip
_CLAUSE_BREAK = re.compile(r"[.;:!?,\n()]|\b(but|however|aber|jedoch|mais|pero|mas|porém)\b")
_TOKEN = re.compile(r"[\w'’-]+")
#: How many words before a match a negation cue may stand.
NEGATION_WINDOW = 4


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    lang: str
    phrase: str
    weight: float
    negated: bool
    start: int


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, str, re.Pattern[str], float], ...]:
    return tuple(
        (kind, lang, re.compile(pattern), float(weight))
        for kind, by_lang in PATTERNS.items()
        for lang, patterns in by_lang.items()
        for pattern, weight in patterns
    )


def is_negated(text: str, start: int) -> bool:
    """True when a negation cue stands within `NEGATION_WINDOW` words before `start`, in the
    same clause ("the API is not down", "aucune donnée n'a été perdue")."""
    before = text[max(0, start - 60) : start]
    parts = _CLAUSE_BREAK.split(before)
    clause = parts[-1] if parts else before
    tokens = [t.lower() for t in _TOKEN.findall(clause)][-NEGATION_WINDOW:]
    return any(t in _NEGATION_CUES or t.endswith(("n't", "n’t")) for t in tokens)


def find_hits(text: str, kinds: Iterable[str] | None = None) -> tuple[Hit, ...]:
    """Every pattern match in `text`, with its negation flag, in text order. Patterns are
    lower case and compiled without IGNORECASE (much faster): the text is lower-cased here."""
    text = text.lower()
    wanted = set(kinds) if kinds is not None else None
    hits: list[Hit] = []
    for kind, lang, pattern, weight in _compiled():
        if wanted is not None and kind not in wanted:
            continue
        for match in pattern.finditer(text):
            hits.append(
                Hit(
                    kind=kind,
                    lang=lang,
                    phrase=match.group(0),
                    weight=weight,
                    negated=bool(match.groupdict().get("neg")) or is_negated(text, match.start()),
                    start=match.start(),
                )
            )
    hits.sort(key=lambda h: (h.start, h.kind))
    return tuple(hits)


_COUNT = re.compile(
    r"\b(\d{1,6})\s+(?:of (?:our|the) )?(?:users?|people|employees|agents|seats|customers|"
    r"colleagues|staff|members|benutzer|nutzer|mitarbeiter\w*|kunden|utilisateurs|clients|"
    r"collaborateurs|usuarios|usuários|clientes|funcionários|empleados)\b",
    re.IGNORECASE,
)


def users_mentioned(text: str) -> int | None:
    """The largest "N users" figure in the text, if any."""
    counts = [int(m.group(1)) for m in _COUNT.finditer(text)]
    return max(counts) if counts else None
