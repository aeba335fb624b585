"""Who the clients are: names of the larger immigrant groups in Finland, the languages they speak,
the municipalities they live in, and how they form households.

Shared by the locust workload (:data:`ORIGINS`: short lists of the most common names) and the data
generator (:data:`GROUPS`: the same lists extended, with weights), so that both search for the
same kind of names. At a million clients the short lists alone would give every full name
thousands of namesakes; the longer lists and Zipf-like weights (the first names of a list are the
most common) give a realistic mix of very common and rare names.

Pure data and functions of a ``random.Random``: no I/O.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final


@dataclass(frozen=True)
class Origin:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    languages: tuple[str, ...]


ORIGINS: tuple[Origin, ...] = (
    Origin(  # Somalia
        ("Amina", "Hodan", "Fadumo", "Hawa", "Mohamed", "Abdullahi", "Ahmed", "Sahra", "Yusuf"),
        ("Hassan", "Warsame", "Abdi", "Osman", "Farah", "Ali", "Jama", "Ismail", "Nur"),
        ("so", "ar", "en"),
    ),
    Origin(  # Ukraine
        ("Olena", "Iryna", "Oksana", "Oleksandr", "Dmytro", "Andrii", "Yuliia", "Mykola"),
        ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Boiko"),
        ("uk", "ru", "en"),
    ),
    Origin(  # Iraq, Syria
        ("Fatima", "Zainab", "Mariam", "Omar", "Karim", "Hussein", "Nour", "Layla", "Ahmad"),
        ("Al-Hashimi", "Al-Jaburi", "Haddad", "Khalil", "Abdullah", "Al-Rubaie", "Saleh"),
        ("ar", "ckb", "en"),
    ),
    Origin(  # Afghanistan
        ("Zahra", "Shirin", "Mahsa", "Reza", "Hamid", "Mohammad Ali", "Fereshta", "Sayed"),
        ("Ahmadi", "Hosseini", "Rahimi", "Karimi", "Sultani", "Jafari", "Mohammadi"),
        ("prs", "ps", "fa"),
    ),
    Origin(  # Eritrea, Ethiopia
        ("Tigist", "Senait", "Abebe", "Yonas", "Selam", "Mehari", "Helen", "Dawit"),
        ("Haile", "Tesfaye", "Gebremedhin", "Tekle", "Berhane", "Kidane", "Woldu"),
        ("ti", "am", "en"),
    ),
    Origin(  # Russia
        ("Svetlana", "Natalia", "Aleksandr", "Sergei", "Ekaterina", "Ivan", "Anastasia"),
        ("Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Popova", "Sokolov", "Lebedeva"),
        ("ru", "en"),
    ),
    Origin(  # Vietnam
        ("Lan", "Thi Hoa", "Minh", "Van Duc", "Thu Trang", "Quang", "Thi Mai"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang"),
        ("vi", "en"),
    ),
    Origin(  # Kurds of Turkey / Iraq
        ("Rojda", "Berfin", "Dilan", "Serhat", "Azad", "Rezan", "Hêvî"),
        ("Yıldız", "Demir", "Doğan", "Aydın", "Barzani", "Zebari", "Çelik"),
        ("ku", "tr", "ckb"),
    ),
    Origin(  # Finnish-born family members and returnees
        ("Aino", "Eero", "Liisa", "Matti", "Anna Maria", "Juha-Pekka", "Siiri"),
        ("Korhonen", "Virtanen", "Hämäläinen", "Mäkinen", "Nieminen", "Heikkinen", "Järvinen"),
        ("fi", "sv", "en"),
    ),
)

# --------------------------------------------------------------------------------------------
# At scale: the groups with their share of the clients, longer name lists and how they came.

SELF_MOVED: Final = "SELF_MOVED"
PLACED: Final = "PLACED"
QUOTA_REFUGEE: Final = "QUOTA_REFUGEE"


@dataclass(frozen=True)
class Arrival:
    """One way of coming to Finland: the client segment, the residence permit, how common."""

    segment: str
    permit: str
    weight: float


@dataclass(frozen=True)
class Group:
    origin: Origin
    share: float
    more_first_names: tuple[str, ...]
    more_last_names: tuple[str, ...]
    # Share of clients registered with a second given name ("Amina Abdi", "Thi Hoa").
    second_given_name: float
    # Whether a spouse keeps their own family name (Somali, Arabic, Eritrean naming).
    spouse_keeps_name: bool
    arrivals: tuple[Arrival, ...]

    @property
    def first_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.origin.first_names + self.more_first_names))

    @property
    def last_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.origin.last_names + self.more_last_names))


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


_REFUGEES = (
    Arrival(QUOTA_REFUGEE, "INTERNATIONAL_PROTECTION", 0.25),
    Arrival(PLACED, "INTERNATIONAL_PROTECTION", 0.45),
    Arrival(SELF_MOVED, "CONTINUOUS", 0.2),
    Arrival(SELF_MOVED, "PERMANENT", 0.1),
)
_WORK_AND_FAMILY = (
    Arrival(SELF_MOVED, "CONTINUOUS", 0.45),
    Arrival(SELF_MOVED, "TEMPORARY", 0.3),
    Arrival(SELF_MOVED, "PERMANENT", 0.25),
)

GROUPS: tuple[Group, ...] = (
    Group(
        ORIGINS[0],
        0.10,
        _names(
            "Asha, Farhiya, Hibo, Ifrah, Khadra, Ladan, Muna, Nasra, Sagal, Ubah, Zamzam, "
            "Abdirahman, Abdikarim, Abdirizak, Bashir, Ismail, Liban, Mahad, Mustafe, Omar, "
            "Said, Khalid, Mohammed, Muhammad"
        ),
        _names(
            "Mohamed, Ahmed, Yusuf, Aden, Hussein, Mohamud, Abdullahi, Hersi, Egal, Dahir, Elmi, "
            "Omar, Said, Awale, Guled, Shire, Samatar, Duale, Abdirahman, Ibrahim, Mohammed"
        ),
        0.6,
        True,
        _REFUGEES,
    ),
    Group(
        ORIGINS[1],
        0.18,
        _names(
            "Tetiana, Nataliia, Svitlana, Kateryna, Anastasiia, Viktoriia, Halyna, Liudmyla, "
            "Mariia, Sofiia, Serhii, Volodymyr, Vasyl, Ivan, Yurii, Oleh, Maksym, Bohdan, Taras, "
            "Artem, Vitalii, Petro, Olexandr"
        ),
        _names(
            "Koval, Oliinyk, Shevchuk, Polishchuk, Lysenko, Marchenko, Rudenko, Savchenko, "
            "Moroz, Petrenko, Kuzmenko, Pavlenko, Levchenko, Ponomarenko, Kharchenko, Symonenko, "
            "Hnatiuk, Romaniuk, Tkachuk, Savchuk, Kovalchuk, Ivanenko, Kovalenko-Shevchuk"
        ),
        0.05,
        False,
        (
            Arrival(PLACED, "TEMPORARY_PROTECTION", 0.75),
            Arrival(SELF_MOVED, "TEMPORARY_PROTECTION", 0.15),
            Arrival(SELF_MOVED, "CONTINUOUS", 0.1),
        ),
    ),
    Group(
        ORIGINS[2],
        0.14,
        _names(
            "Ali, Mohammed, Mustafa, Hassan, Abbas, Haider, Yousef, Khaled, Sami, Rami, Hiba, "
            "Rana, Reem, Sara, Huda, Noor, Aya, Dalia, Amal, Salma, Ibrahim, Muhammad, Fatimah"
        ),
        _names(
            "Al-Obaidi, Al-Tamimi, Al-Shammari, Al-Dulaimi, Hamad, Mahmoud, Ibrahim, Hussein, "
            "Kareem, Jasim, Abbas, Al-Zubaidi, Al-Khafaji, Najjar, Darwish, Mansour, Nasser, "
            "Khoury, Sabbagh, Halabi, Masri, Al-Ali, Hammoud"
        ),
        0.4,
        True,
        _REFUGEES,
    ),
    Group(
        ORIGINS[3],
        0.09,
        _names(
            "Ahmad, Mohammad, Ali, Hassan, Hossein, Mahdi, Mustafa, Jawad, Farid, Nasir, Bashir, "
            "Habib, Khadija, Maryam, Fatima, Masooma, Parwana, Nargis, Marzia, Roya, Sakina, "
            "Shabnam, Zainab"
        ),
        _names(
            "Rezaei, Hashimi, Azizi, Haidari, Sadat, Nazari, Amiri, Noori, Qasemi, Yousufi, "
            "Safi, Popal, Stanekzai, Wardak, Naseri, Akbari, Hakimi, Rasuli, Sharifi, Alizada, "
            "Samadi, Habibi"
        ),
        0.2,
        True,
        _REFUGEES,
    ),
    Group(
        ORIGINS[4],
        0.05,
        _names(
            "Yohannes, Tesfay, Kidane, Berhane, Mulugeta, Solomon, Daniel, Samuel, Filmon, "
            "Robel, Biniam, Meron, Saba, Hiwet, Lidya, Ruth, Mebrat, Almaz, Freweini, Semhar, "
            "Luwam, Eden"
        ),
        _names(
            "Gebreyesus, Tesfamariam, Habte, Asmerom, Ghebremichael, Mengistu, Tadesse, Bekele, "
            "Girma, Alemu, Negash, Fessehaye, Yemane, Weldemariam, Ghebreselassie, Araya, "
            "Kahsay, Mebrahtu, Tewolde, Zerai, Okbay, Abraha"
        ),
        0.5,
        True,
        _REFUGEES,
    ),
    Group(
        ORIGINS[5],
        0.16,
        _names(
            "Olga, Tatiana, Elena, Irina, Yulia, Maria, Anna, Daria, Alina, Ksenia, Dmitri, "
            "Andrei, Alexei, Mikhail, Nikolai, Vladimir, Pavel, Artem, Maxim, Igor, Yevgeni, "
            "Viktor, Roman, Alexander"
        ),
        _names(
            "Ivanov, Smirnov, Kuznetsova, Popov, Vasiliev, Volkova, Novikov, Morozova, Fedorov, "
            "Mikhailova, Pavlov, Semenova, Golubev, Vinogradova, Bogdanov, Orlova, Kiselev, "
            "Makarova, Zaitsev, Solovieva, Egorov, Nikitina, Kozlov"
        ),
        0.1,
        False,
        _WORK_AND_FAMILY,
    ),
    Group(
        ORIGINS[6],
        0.06,
        _names(
            "Thi Lan, Thi Huong, Thi Thu, Ngoc Anh, Thanh Huyen, Phuong Linh, Van Nam, Van Hung, "
            "Duc Anh, Quoc Bao, Minh Tuan, Hoang Long, Thanh Tung, Thi Ngoc, Kim Ngan, Bao Chau, "
            "Huu Phuoc, Tuan Anh, Hai Yen, Thi Thao"
        ),
        _names(
            "Huynh, Phan, Bui, Do, Ho, Ngo, Duong, Ly, Dinh, Trinh, Truong, Mai, Cao, Lam, Vo, "
            "Ta, Luong, Ha, Chu, Doan, La, Nguyễn"
        ),
        0.0,
        True,
        _WORK_AND_FAMILY,
    ),
    Group(
        ORIGINS[7],
        0.06,
        _names(
            "Rojin, Zozan, Nûjîn, Delal, Berivan, Şirin, Gulistan, Avesta, Jiyan, Baran, Dilşad, "
            "Şêrko, Kawa, Rêbîn, Hejar, Aram, Karwan, Soran, Zana, Welat, Berzan, Rênas, Diyar, "
            "Ciwan"
        ),
        _names(
            "Kaya, Şahin, Arslan, Kılıç, Özdemir, Koç, Kurt, Aslan, Tekin, Polat, Güneş, Ahmed, "
            "Mahmoud, Hawrami, Talabani, Sindi, Dosky, Amedi, Hasan, Rasul, Bakir, Karim, "
            "Mustafa"
        ),
        0.1,
        False,
        _REFUGEES,
    ),
    Group(
        ORIGINS[8],
        0.16,
        _names(
            "Emma, Helmi, Sofia, Aada, Eevi, Lilja, Venla, Olivia, Elli, Ella, Leo, Eino, Väinö, "
            "Oliver, Elias, Onni, Veeti, Toivo, Juho, Mikko, Timo, Jukka, Päivi, Sari"
        ),
        _names(
            "Mäkelä, Koskinen, Lehtonen, Lehtinen, Laine, Heinonen, Salminen, Heikkilä, Niemi, "
            "Kinnunen, Salonen, Turunen, Salo, Laitinen, Tuominen, Rantanen, Karjalainen, "
            "Jokinen, Mattila, Savolainen, Lahtinen, Ahonen, Lindholm, Nyström"
        ),
        0.7,
        False,
        (Arrival(SELF_MOVED, "EU_REGISTRATION", 0.2), Arrival(SELF_MOVED, "CONTINUOUS", 0.8)),
    ),
)


@dataclass(frozen=True)
class Municipality:
    code: str
    post_office: str
    postal_prefix: str
    streets: tuple[str, ...]
    share: float
    # The welfare area (hyvinvointialue) that the municipality's multi-sector work is done with.
    welfare_area: str


MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality(
        "091",
        "Helsinki",
        "00",
        ("Mannerheimintie", "Itäkatu", "Kontulantie", "Mellunmäentie", "Ruskeasuontie"),
        0.30,
        "helsinki",
    ),
    Municipality(
        "049",
        "Espoo",
        "02",
        ("Kauklahdenväylä", "Espoonlahdenkatu", "Leppävaarankatu"),
        0.14,
        "lansi-uusimaa",
    ),
    Municipality(
        "092",
        "Vantaa",
        "01",
        ("Hakunilantie", "Myyrmäentie", "Tikkurilantie"),
        0.12,
        "vantaa-kerava",
    ),
    Municipality(
        "837",
        "Tampere",
        "33",
        ("Hervannan valtaväylä", "Hämeenkatu", "Tesomankatu", "Ahvenisjärventie"),
        0.09,
        "pirkanmaa",
    ),
    Municipality(
        "853",
        "Turku",
        "20",
        ("Humalistonkatu", "Varissuonkatu", "Uudenmaantie"),
        0.09,
        "varsinais-suomi",
    ),
    Municipality(
        "564",
        "Oulu",
        "90",
        ("Kajaanintie", "Kaijonharjuntie", "Isokatu"),
        0.06,
        "pohjois-pohjanmaa",
    ),
    Municipality("398", "Lahti", "15", ("Aleksanterinkatu", "Mukkulankatu"), 0.05, "paijat-hame"),
    Municipality("179", "Jyväskylä", "40", ("Kauppakatu", "Palokankaantie"), 0.05, "keski-suomi"),
    Municipality("297", "Kuopio", "70", ("Puijonkatu", "Petosenkaari"), 0.04, "pohjois-savo"),
    Municipality("609", "Pori", "28", ("Isolinnankatu", "Itsenäisyydenkatu"), 0.03, "satakunta"),
    Municipality("245", "Kerava", "04", ("Kauppakaari", "Savionkatu"), 0.03, "vantaa-kerava"),
)

# How common each household size is among clients (1 = a single adult).
HOUSEHOLD_SIZES: Final = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_WEIGHTS: Final = (0.42, 0.2, 0.15, 0.12, 0.07, 0.04)


def zipf_weights(count: int, exponent: float = 0.9) -> list[float]:
    """Weights of a list whose first items are the most common (rank ** -exponent)."""
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


def cumulative(weights: list[float] | tuple[float, ...]) -> list[float]:
    return list(itertools.accumulate(weights))


@dataclass(frozen=True)
class Person:
    """One member of a household, as the client's record would hold it (before validation)."""

    first_names: str
    last_name: str
    date_of_birth: date
    languages: tuple[str, ...]
    role: str  # "head", "spouse" or "child"
    email: str
    phone: str


@dataclass(frozen=True)
class Household:
    group: Group
    municipality: Municipality
    arrival: Arrival
    street_address: str
    postal_code: str
    arrived_on: date
    members: tuple[Person, ...]


class PopulationSampler:
    """Draws households; every choice comes from the given ``random.Random``."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self._rng = rng
        self._today = today
        self._group_cum = cumulative([g.share for g in GROUPS])
        self._municipality_cum = cumulative([m.share for m in MUNICIPALITIES])
        self._size_cum = cumulative(HOUSEHOLD_WEIGHTS)
        self._first = [
            (g.first_names, cumulative(zipf_weights(len(g.first_names)))) for g in GROUPS
        ]
        self._last = [(g.last_names, cumulative(zipf_weights(len(g.last_names)))) for g in GROUPS]

    def _pick(self, items: tuple[str, ...], cum: list[float]) -> str:
        return self._rng.choices(items, cum_weights=cum)[0]

    def household(self, municipality: Municipality | None = None) -> Household:
        rng = self._rng
        index = rng.choices(range(len(GROUPS)), cum_weights=self._group_cum)[0]
        group = GROUPS[index]
        place = municipality or rng.choices(MUNICIPALITIES, cum_weights=self._municipality_cum)[0]
        arrival = rng.choices(group.arrivals, weights=[a.weight for a in group.arrivals])[0]
        size = rng.choices(HOUSEHOLD_SIZES, cum_weights=self._size_cum)[0]
        first_names, first_cum = self._first[index]
        last_names, last_cum = self._last[index]
        family_name = self._pick(last_names, last_cum)
        head_age = rng.randint(19, 64) if size > 1 else rng.randint(17, 75)
        members: list[Person] = []
        for position in range(size):
            if position == 0:
                role, age, last = "head", head_age, family_name
            elif position == 1 and rng.random() < 0.75:
                role = "spouse"
                age = max(18, head_age + rng.randint(-8, 6))
                keeps = group.spouse_keeps_name and rng.random() < 0.8
                last = self._pick(last_names, last_cum) if keeps else family_name
            else:
                role = "child"
                age = rng.randint(0, max(0, min(17, head_age - 18)))
                last = family_name
            given = self._pick(first_names, first_cum)
            if rng.random() < group.second_given_name:
                second = self._pick(first_names, first_cum)
                if second != given:
                    given = f"{given} {second}"
            born = self._today - timedelta(days=age * 365 + rng.randint(0, 364))
            adult = age >= 18
            languages = list(group.origin.languages[: rng.randint(1, len(group.origin.languages))])
            if rng.random() < (0.8 if not adult else 0.4):
                languages.append("fi")
            members.append(
                Person(
                    first_names=given,
                    last_name=last,
                    date_of_birth=born,
                    languages=tuple(dict.fromkeys(languages)),
                    role=role,
                    email=email_address(rng, given, last) if adult and rng.random() < 0.7 else "",
                    phone=phone_number(rng) if adult or age >= 12 else "",
                )
            )
        youngest_years = min(self._today.year - m.date_of_birth.year for m in members)
        arrived = self._today - timedelta(
            days=rng.randint(30, max(31, min(8, youngest_years) * 365))
        )
        return Household(
            group=group,
            municipality=place,
            arrival=arrival,
            street_address=street_address(rng, place),
            postal_code=f"{place.postal_prefix}{rng.randint(1, 99):02d}0",
            arrived_on=arrived,
            members=tuple(members),
        )


_ASCII_MAP: Final = str.maketrans(
    {
        "ı": "i",
        "ä": "a",
        "ö": "o",
        "å": "a",
        "ü": "u",
        "ş": "s",
        "ç": "c",
        "ğ": "g",
        "ê": "e",
        "î": "i",
        "û": "u",
        "ễ": "e",
    }
)


def ascii_name(text: str) -> str:
    """Lower-case ASCII letters of a name, for e-mail addresses."""
    folded = text.lower().translate(_ASCII_MAP)
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def email_address(rng: random.Random, first_names: str, last_name: str) -> str:
    first = ascii_name(first_names.split()[0])
    return f"{first}.{ascii_name(last_name)}{rng.randint(1, 999)}@example.org"


def phone_number(rng: random.Random) -> str:
    prefix = rng.choice(("040", "041", "044", "045", "050"))
    return f"{prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def street_address(rng: random.Random, place: Municipality) -> str:
    """A street and number, mostly with a staircase and a flat (kerrostalo)."""
    address = f"{rng.choice(place.streets)} {rng.randint(1, 120)}"
    if rng.random() < 0.8:
        address += f" {rng.choice('ABCDEF')} {rng.randint(1, 60)}"
    return address
