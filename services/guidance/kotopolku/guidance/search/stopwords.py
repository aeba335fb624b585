"""Stop words: the Snowball project's lists for Finnish, Swedish and English, the same lists that
PostgreSQL's ``finnish``, ``swedish`` and ``english`` text-search configurations use, so that both
databases ignore the same words. (PostgreSQL's ``arabic`` configuration has no stop words.)"""

from __future__ import annotations

_FINNISH = """
olla olen olet on olemme olette ovat ole oli olisi olisit olisin olisimme olisitte olisivat olit
olin olimme olitte olivat ollut olleet en et ei emme ette eivät minä minun minut minua minussa
minusta minuun minulla minulta minulle sinä sinun sinut sinua sinussa sinusta sinuun sinulla
sinulta sinulle hän hänen hänet häntä hänessä hänestä häneen hänellä häneltä hänelle me meidän
meidät meitä meissä meistä meihin meillä meiltä meille te teidän teidät teitä teissä teistä
teihin teillä teiltä teille he heidän heidät heitä heissä heistä heihin heillä heiltä heille
tämä tämän tätä tässä tästä tähän tallä tältä tälle tänä täksi tuo tuon tuotä tuossa tuosta
tuohon tuolla tuolta tuolle tuona tuoksi se sen sitä siinä siitä siihen sillä siltä sille sinä
siksi nämä näiden näitä näissä näistä näihin näillä näiltä näille näinä näiksi nuo noiden noita
noissa noista noihin noilla noilta noille noina noiksi ne niiden niitä niissä niistä niihin
niillä niiltä niille niinä niiksi kuka kenen kenet ketä kenessä kenestä keneen kenellä keneltä
kenelle kenenä keneksi ketkä keiden ketkä keitä keissä keistä keihin keillä keiltä keille keinä
keiksi mikä minkä minkä mitä missä mistä mihin millä miltä mille minä miksi mitkä joka jonka
jota jossa josta johon jolla jolta jolle jona joksi jotka joiden joita joissa joista joihin
joilla joilta joille joina joiksi että ja jos koska kuin mutta niin sekä sillä tai vaan vai
vaikka kanssa mukaan noin poikki yli kun niin nyt itse
"""

_SWEDISH = """
och det att i en jag hon som han på den med var sig för så till är men ett om hade de av icke
mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något från ut
när efter upp vi dem vara vad över än dig kan sina här ha mot alla under någon eller allt mycket
sedan ju denna själv detta åt utan varit hur ingen mitt ni bli blev oss din dessa några deras
blir mina samma vilken er sådan vår blivit dess inom mellan sådant varför varje vilka ditt vem
vilket sitta sådana vart dina vars vårt våra ert era vilkas
"""

_ENGLISH = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here
there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now
"""

STOP_WORDS: dict[str, frozenset[str]] = {
    "fi": frozenset(_FINNISH.split()),
    "sv": frozenset(_SWEDISH.split()),
    "en": frozenset(_ENGLISH.split()),
}
