"""Data tables for the synthetic demo data generator (index.demo_data).

Everything here is plain Python constants. Weights are approximate relative
frequencies (roughly "per 100,000" for surnames, "births per year" for
forenames, blended over births 2008-2026), ordered as in ONS England & Wales
tables, so that common names collide often at scale. Nothing here identifies a
real person: names are common names, streets are synthetic, phone numbers are
from Ofcom's drama ranges and e-mail domains are example.org / example.com.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Children's forenames: (name, weight)
# ---------------------------------------------------------------------------

BOY_FORENAMES: tuple[tuple[str, int], ...] = (
    ("Oliver", 5200), ("Jack", 4700), ("Harry", 4600), ("Muhammad", 4400),
    ("Noah", 4300), ("George", 4200), ("Charlie", 4100), ("Jacob", 3600),
    ("Thomas", 3600), ("Oscar", 3500), ("Leo", 3500), ("Arthur", 3300),
    ("Alfie", 3300), ("James", 3300), ("Joshua", 3300), ("William", 3200),
    ("Freddie", 3000), ("Theo", 3000), ("Henry", 2900), ("Archie", 2900),
    ("Ethan", 2900), ("Joseph", 2600), ("Isaac", 2600), ("Samuel", 2500),
    ("Lucas", 2500), ("Daniel", 2300), ("Mohammed", 2200), ("Alexander", 2100),
    ("Mason", 2100), ("Logan", 2000), ("Max", 2000), ("Benjamin", 2000),
    ("Riley", 1800), ("Edward", 1700), ("Finley", 1700), ("Dylan", 1700),
    ("Adam", 1700), ("Harrison", 1600), ("Harvey", 1500), ("Elijah", 1500),
    ("Luca", 1500), ("Sebastian", 1400), ("Arlo", 1400), ("Toby", 1400),
    ("Teddy", 1400), ("Luke", 1400), ("Tommy", 1300), ("Jude", 1300),
    ("Ryan", 1300), ("Matthew", 1300), ("Reuben", 1200), ("Jaxon", 1200),
    ("Louie", 1200), ("Louis", 1200), ("Tyler", 1200), ("Lewis", 1200),
    ("Hugo", 1100), ("Rory", 1100), ("Albie", 1100), ("Theodore", 1100),
    ("Jake", 1100), ("Ronnie", 1000), ("Jenson", 1000), ("Frankie", 1000),
    ("Stanley", 1000), ("Zachary", 1000), ("Jayden", 1000), ("Callum", 1000),
    ("Nathan", 1000), ("Kai", 900), ("Owen", 900), ("Bobby", 900),
    ("Michael", 900), ("Connor", 900), ("Mohammad", 800), ("Gabriel", 800),
    ("Jamie", 800), ("Ollie", 700), ("Carter", 700), ("David", 700),
    ("Aaron", 700), ("Cameron", 700), ("Bailey", 700), ("Liam", 700),
    ("Elliot", 700), ("Finn", 700), ("Ezra", 700), ("Ibrahim", 700),
    ("Yusuf", 700), ("Sonny", 700), ("Felix", 700), ("Kian", 600),
    ("Ellis", 600), ("Caleb", 600), ("Austin", 600), ("Jesse", 600),
    ("Hunter", 600), ("Roman", 600), ("Reggie", 600), ("Christopher", 600),
    ("Billy", 600), ("Mohamed", 600), ("Hamza", 550), ("Hudson", 500),
    ("Rowan", 500), ("Ali", 500), ("Omar", 500), ("Zayn", 500),
    ("Harley", 500), ("Leon", 500), ("Bradley", 500), ("Brandon", 500),
    ("Jordan", 500), ("Jasper", 500), ("Otis", 500), ("Elliott", 500),
    ("Aiden", 500), ("Evan", 450), ("Ahmed", 450), ("Ayaan", 450),
    ("Rayan", 400), ("Patrick", 400), ("Anthony", 400), ("Andrew", 400),
    ("Kieran", 400), ("Reece", 400), ("Dominic", 400), ("Ralph", 400),
    ("Nathaniel", 400), ("Alex", 400), ("Blake", 400), ("Joel", 400),
    ("Dexter", 400), ("Kayden", 400), ("Rhys", 400), ("Aryan", 350),
    ("Arjun", 350), ("Musa", 350), ("Abdullah", 350), ("Corey", 300),
    ("Jakub", 300), ("Jay", 300), ("Marcus", 300), ("Jonah", 300),
    ("Ashton", 300), ("Kyle", 300), ("Kacper", 250), ("Filip", 250),
    ("Emmanuel", 250), ("Szymon", 200), ("Oskar", 200), ("Aleksander", 200),
    ("Tristan", 200), ("Morgan", 200), ("Aarav", 200), ("Cillian", 150),
    ("Vihaan", 150), ("Oisín", 100), ("Seán", 100), ("Rónán", 40),
)

GIRL_FORENAMES: tuple[tuple[str, int], ...] = (
    ("Amelia", 4800), ("Olivia", 4500), ("Emily", 4000), ("Lily", 3600),
    ("Isla", 3500), ("Ava", 3500), ("Mia", 3400), ("Grace", 3000),
    ("Ella", 3000), ("Isabella", 2900), ("Freya", 2800), ("Charlotte", 2800),
    ("Evie", 2800), ("Sophie", 2800), ("Ruby", 2800), ("Sophia", 2600),
    ("Poppy", 2600), ("Jessica", 2400), ("Florence", 2300), ("Ivy", 2200),
    ("Chloe", 2200), ("Willow", 2000), ("Millie", 2000), ("Ellie", 1900),
    ("Daisy", 1800), ("Phoebe", 1600), ("Isabelle", 1600), ("Lucy", 1600),
    ("Sienna", 1500), ("Elsie", 1500), ("Aria", 1500), ("Evelyn", 1400),
    ("Harper", 1400), ("Rosie", 1400), ("Alice", 1400), ("Sofia", 1400),
    ("Emilia", 1400), ("Hannah", 1400), ("Molly", 1400), ("Matilda", 1300),
    ("Maya", 1300), ("Holly", 1300), ("Scarlett", 1300), ("Mila", 1300),
    ("Luna", 1300), ("Layla", 1200), ("Eva", 1200), ("Erin", 1100),
    ("Lola", 1100), ("Imogen", 1100), ("Violet", 1100), ("Maisie", 1100),
    ("Amelie", 1000), ("Lilly", 1000), ("Georgia", 1000), ("Megan", 1000),
    ("Amy", 1000), ("Abigail", 1000), ("Bella", 900), ("Eliza", 900),
    ("Esme", 900), ("Katie", 900), ("Lauren", 900), ("Darcy", 900),
    ("Leah", 900), ("Jasmine", 900), ("Zoe", 900), ("Emma", 900),
    ("Rose", 800), ("Summer", 800), ("Thea", 800), ("Aurora", 800),
    ("Eleanor", 800), ("Caitlin", 700), ("Nancy", 700), ("Maryam", 700),
    ("Fatima", 700), ("Zara", 700), ("Elizabeth", 700), ("Gracie", 700),
    ("Tilly", 700), ("Penelope", 600), ("Bethany", 600), ("Hazel", 600),
    ("Anna", 600), ("Hope", 600), ("Aisha", 600), ("Harriet", 600),
    ("Hallie", 500), ("Hollie", 500), ("Orla", 500), ("Mollie", 500),
    ("Maria", 500), ("Beatrice", 500), ("Edith", 500), ("Clara", 500),
    ("Iris", 500), ("Lottie", 500), ("Paige", 500), ("Rebecca", 500),
    ("Sarah", 500), ("Mabel", 500), ("Ada", 500), ("Niamh", 400),
    ("Amira", 400), ("Anaya", 400), ("Aaliyah", 400), ("Zainab", 400),
    ("Victoria", 400), ("Margot", 400), ("Delilah", 400), ("Lacey", 400),
    ("Jade", 400), ("Ayla", 400), ("Nova", 400), ("Eden", 400),
    ("Myla", 400), ("Maeve", 400), ("Darcey", 300), ("Hafsa", 300),
    ("Khadija", 300), ("Inaaya", 300), ("Julia", 300), ("Courtney", 300),
    ("Shannon", 300), ("Laura", 300), ("Kayla", 300), ("Elodie", 300),
    ("Ophelia", 300), ("Zuzanna", 200), ("Lena", 200), ("Hanna", 200),
    ("Oliwia", 200), ("Nicole", 200), ("Rachel", 200), ("Ellie-May", 200),
    ("Aoife", 150), ("Alicja", 150), ("Natalia", 150), ("Precious", 100),
    ("Zoë", 90), ("Chloé", 80), ("Siân", 80), ("Blessing", 80),
    ("Chiamaka", 80), ("Renée", 40),
)

# ---------------------------------------------------------------------------
# Surnames: (name, weight per ~100,000, group). Group '' = general; other
# groups pick forenames from GROUP_* tables most of the time.
# ---------------------------------------------------------------------------

SURNAMES: tuple[tuple[str, int, str], ...] = (
    ("Smith", 1150, ""), ("Jones", 780, ""), ("Williams", 560, ""),
    ("Taylor", 520, ""), ("Brown", 500, ""), ("Davies", 420, ""),
    ("Evans", 340, ""), ("Wilson", 330, ""), ("Thomas", 320, ""),
    ("Johnson", 320, ""), ("Roberts", 300, ""), ("Robinson", 280, ""),
    ("Thompson", 280, ""), ("Wright", 270, ""), ("Walker", 260, ""),
    ("White", 250, ""), ("Edwards", 240, ""), ("Hughes", 240, ""),
    ("Green", 240, ""), ("Hall", 230, ""), ("Lewis", 230, ""),
    ("Harris", 230, ""), ("Clarke", 220, ""), ("Patel", 220, "sa"),
    ("Jackson", 210, ""), ("Wood", 200, ""), ("Turner", 190, ""),
    ("Martin", 190, ""), ("Cooper", 190, ""), ("Hill", 190, ""),
    ("Ward", 180, ""), ("Morris", 180, ""), ("Moore", 180, ""),
    ("Clark", 180, ""), ("Lee", 175, ""), ("King", 175, ""),
    ("Baker", 170, ""), ("Harrison", 165, ""), ("Morgan", 160, ""),
    ("Allen", 155, ""), ("James", 155, ""), ("Scott", 150, ""),
    ("Phillips", 145, ""), ("Watson", 145, ""), ("Davis", 140, ""),
    ("Parker", 135, ""), ("Price", 135, ""), ("Bennett", 135, ""),
    ("Young", 135, ""), ("Griffiths", 130, ""), ("Mitchell", 130, ""),
    ("Kelly", 125, ""), ("Cook", 125, ""), ("Carter", 125, ""),
    ("Richardson", 125, ""), ("Bailey", 125, ""), ("Collins", 120, ""),
    ("Bell", 118, ""), ("Shaw", 116, ""), ("Murphy", 115, ""),
    ("Miller", 115, ""), ("Cox", 114, ""), ("Khan", 112, "sam"),
    ("Richards", 110, ""), ("Marshall", 108, ""), ("Anderson", 108, ""),
    ("Simpson", 106, ""), ("Ellis", 106, ""), ("Adams", 105, ""),
    ("Singh", 105, "sa"), ("Begum", 104, "sam"), ("Wilkinson", 100, ""),
    ("Foster", 98, ""), ("Chapman", 98, ""), ("Powell", 97, ""),
    ("Webb", 97, ""), ("Rogers", 96, ""), ("Gray", 96, ""),
    ("Mason", 95, ""), ("Ali", 95, "sam"), ("Hunt", 94, ""),
    ("Hussain", 94, "sam"), ("Campbell", 93, ""), ("Matthews", 92, ""),
    ("Owen", 92, ""), ("Palmer", 91, ""), ("Holmes", 90, ""),
    ("Mills", 89, ""), ("Barnes", 89, ""), ("Knight", 88, ""),
    ("Lloyd", 88, ""), ("Butler", 87, ""), ("Russell", 87, ""),
    ("Barker", 86, ""), ("Fisher", 85, ""), ("Stevens", 85, ""),
    ("Jenkins", 84, ""), ("Murray", 83, ""), ("Dixon", 83, ""),
    ("Harvey", 82, ""), ("Graham", 80, ""), ("Pearson", 80, ""),
    ("Ahmed", 80, "sam"), ("Fletcher", 78, ""), ("Walsh", 78, ""),
    ("Kaur", 78, "sa"), ("Gibson", 77, ""), ("Howard", 76, ""),
    ("Andrews", 76, ""), ("Stewart", 75, ""), ("Elliott", 75, ""),
    ("Reynolds", 74, ""), ("Saunders", 74, ""), ("Payne", 73, ""),
    ("Fox", 73, ""), ("Ford", 72, ""), ("Pearce", 72, ""),
    ("Day", 71, ""), ("Brooks", 71, ""), ("West", 70, ""),
    ("Lawrence", 70, ""), ("Cole", 69, ""), ("Atkinson", 69, ""),
    ("Bradley", 68, ""), ("Spencer", 68, ""), ("Gill", 67, "sa"),
    ("Dawson", 67, ""), ("Ball", 66, ""), ("Burton", 66, ""),
    ("O'Brien", 65, ""), ("Watts", 65, ""), ("Rose", 64, ""),
    ("Booth", 64, ""), ("Perry", 63, ""), ("Ryan", 63, ""),
    ("Grant", 62, ""), ("Wells", 62, ""), ("Armstrong", 61, ""),
    ("Francis", 61, ""), ("Rees", 60, ""), ("Hayes", 60, ""),
    ("Hart", 59, ""), ("Hudson", 59, ""), ("Newman", 58, ""),
    ("Barrett", 58, ""), ("Webster", 57, ""), ("Hunter", 57, ""),
    ("Gregory", 56, ""), ("Carr", 56, ""), ("Lowe", 55, ""),
    ("Page", 55, ""), ("Marsh", 54, ""), ("Riley", 54, ""),
    ("Dunn", 53, ""), ("Woods", 53, ""), ("Parsons", 52, ""),
    ("Berry", 52, ""), ("Stone", 51, ""), ("Reid", 51, ""),
    ("Holland", 50, ""), ("Hawkins", 50, ""), ("Harding", 49, ""),
    ("Porter", 49, ""), ("Robertson", 48, ""), ("Newton", 48, ""),
    ("Oliver", 47, ""), ("Reed", 47, ""), ("Kennedy", 46, ""),
    ("Williamson", 46, ""), ("Bird", 45, ""), ("Gardner", 45, ""),
    ("Shah", 45, "sa"), ("Dean", 44, ""), ("Lane", 44, ""),
    ("Cooke", 43, ""), ("Bates", 43, ""), ("Henderson", 42, ""),
    ("Parry", 42, ""), ("Burgess", 41, ""), ("Bishop", 41, ""),
    ("Walton", 40, ""), ("Burns", 40, ""), ("Nicholson", 40, ""),
    ("Shepherd", 39, ""), ("Ross", 39, ""), ("Cross", 38, ""),
    ("Long", 38, ""), ("Freeman", 38, ""), ("Warren", 37, ""),
    ("Nicholls", 37, ""), ("Hamilton", 36, ""), ("Byrne", 36, ""),
    ("Sutton", 36, ""), ("McDonald", 35, ""), ("Yates", 35, ""),
    ("Hodgson", 35, ""), ("Robson", 34, ""), ("Curtis", 34, ""),
    ("Hopkins", 34, ""), ("O'Connor", 33, ""), ("Harper", 33, ""),
    ("Coleman", 33, ""), ("Watkins", 32, ""), ("Moss", 32, ""),
    ("McCarthy", 32, ""), ("Chambers", 31, ""), ("O'Neill", 31, ""),
    ("Griffin", 31, ""), ("Sharp", 30, ""), ("Hardy", 30, ""),
    ("Wheeler", 30, ""), ("Potter", 30, ""), ("Osborne", 29, ""),
    ("Johnston", 29, ""), ("Gordon", 29, ""), ("Doyle", 29, ""),
    ("Wallace", 28, ""), ("George", 28, ""), ("Jordan", 28, ""),
    ("Hutchinson", 28, ""), ("Rahman", 28, "sam"), ("Iqbal", 27, "sam"),
    ("Akhtar", 27, "sam"), ("Mahmood", 26, "sam"), ("Sharma", 26, "sa"),
    ("Kumar", 26, "sa"), ("Miah", 25, "sam"), ("Islam", 25, "sam"),
    ("Uddin", 24, "sam"), ("Malik", 24, "sam"), ("Mohammed", 24, "sam"),
    ("Hassan", 23, "sam"), ("Choudhury", 22, "sam"), ("Aslam", 20, "sam"),
    ("Bibi", 20, "sam"), ("Sandhu", 20, "sa"), ("Sidhu", 16, "sa"),
    ("Mistry", 15, "sa"), ("Chauhan", 15, "sa"), ("MacDonald", 24, ""),
    ("Nowak", 22, "pl"), ("Kowalski", 18, "pl"), ("Wiśniewski", 12, "pl"),
    ("Wójcik", 12, "pl"), ("Kowalczyk", 12, "pl"), ("Kamiński", 10, "pl"),
    ("Lewandowski", 10, "pl"), ("Zieliński", 9, "pl"), ("Szymański", 8, "pl"),
    ("Nguyen", 18, "vn"), ("Tran", 12, "vn"), ("Pham", 8, "vn"),
    ("Le", 8, "vn"), ("Okafor", 10, "wa"), ("Adeyemi", 10, "wa"),
    ("Mensah", 10, "wa"), ("Okonkwo", 9, "wa"), ("Adebayo", 9, "wa"),
    ("Owusu", 9, "wa"), ("Boateng", 8, "wa"), ("Asante", 7, "wa"),
    ("Oluwole", 6, "wa"), ("Mohamud", 10, "so"), ("Abdi", 10, "so"),
    ("Hersi", 6, "so"), ("D'Souza", 8, ""), ("Fernandes", 10, ""),
    ("Da Silva", 10, ""), ("Costa", 8, ""), ("Popescu", 7, ""),
    ("Ionescu", 5, ""), ("Kaya", 6, ""), ("Yilmaz", 7, ""),
    ("Papadopoulos", 5, ""), ("Rossi", 5, ""), ("Müller", 4, ""),
    ("Núñez", 4, ""), ("O'Sullivan", 18, ""), ("O'Reilly", 12, ""),
    ("McLaughlin", 14, ""), ("MacLeod", 10, ""), ("McKenzie", 15, ""),
    ("Fitzgerald", 16, ""), ("Gallagher", 18, ""), ("Quinn", 20, ""),
    ("Brennan", 14, ""), ("Lynch", 20, ""), ("Kaye", 8, ""),
    ("Fairbrother", 4, ""), ("Featherstone", 5, ""), ("Ashworth", 12, ""),
    ("Greenwood", 20, ""), ("Whitehead", 18, ""), ("Pickering", 10, ""),
    ("Ramsbottom", 3, ""), ("Sidebottom", 3, ""), ("Ackroyd", 3, ""),
    ("Thornton", 22, ""), ("Barton", 20, ""), ("Goodwin", 20, ""),
    ("Mann", 20, ""), ("Schofield", 12, ""), ("Pritchard", 14, ""),
    ("Vaughan", 14, ""), ("Howells", 8, ""), ("Llewellyn", 6, ""),
    ("Ap Rhys", 1, ""), ("St John", 2, ""), ("Le Marquand", 1, ""),
)

# Forenames for households whose surname belongs to a group: used ~75% of the time.
GROUP_BOY_FORENAMES: dict[str, tuple[tuple[str, int], ...]] = {
    "sam": (("Muhammad", 50), ("Mohammed", 25), ("Ibrahim", 12), ("Yusuf", 12),
            ("Hamza", 10), ("Ayaan", 9), ("Zayn", 9), ("Ali", 8), ("Omar", 8),
            ("Rayan", 7), ("Musa", 7), ("Abdullah", 7), ("Ahmed", 6), ("Zakariya", 5),
            ("Idris", 4), ("Ismail", 4), ("Bilal", 4), ("Haroon", 3), ("Aayan", 3)),
    "sa": (("Arjun", 10), ("Aarav", 9), ("Aryan", 8), ("Vihaan", 6), ("Krish", 6),
           ("Rohan", 5), ("Dev", 4), ("Jai", 4), ("Harjot", 3), ("Gurveer", 3),
           ("Arman", 3), ("Sahil", 3), ("Kabir", 3), ("Reyansh", 2), ("Nikhil", 2)),
    "pl": (("Jakub", 10), ("Kacper", 8), ("Filip", 8), ("Szymon", 7), ("Oskar", 6),
           ("Aleksander", 6), ("Antoni", 5), ("Franciszek", 4), ("Mikołaj", 4),
           ("Wojciech", 3), ("Tymon", 3), ("Igor", 3)),
    "vn": (("Minh", 5), ("Huy", 4), ("Duc", 3), ("Bao", 3), ("Nam", 3), ("Ethan", 4),
           ("Kevin", 3), ("Ryan", 3)),
    "wa": (("David", 6), ("Daniel", 6), ("Samuel", 6), ("Emmanuel", 6), ("Joshua", 5),
           ("Tobi", 4), ("Kwame", 3), ("Chidi", 3), ("Ayomide", 3), ("Kofi", 3),
           ("Oluwaseun", 2), ("Elijah", 3)),
    "so": (("Mohamed", 10), ("Abdirahman", 5), ("Ahmed", 5), ("Yusuf", 4), ("Ayub", 3),
           ("Abdullahi", 3), ("Hassan", 3), ("Ibrahim", 3)),
}

GROUP_GIRL_FORENAMES: dict[str, tuple[tuple[str, int], ...]] = {
    "sam": (("Maryam", 20), ("Fatima", 18), ("Aisha", 14), ("Zainab", 12), ("Hafsa", 9),
            ("Khadija", 9), ("Amira", 8), ("Inaaya", 8), ("Zara", 8), ("Aaliyah", 7),
            ("Anaya", 7), ("Safa", 4), ("Sumaiya", 4), ("Ayesha", 6), ("Hana", 4),
            ("Ruqayyah", 3), ("Mariam", 4)),
    "sa": (("Anaya", 8), ("Priya", 6), ("Kiran", 5), ("Simran", 5), ("Riya", 5),
           ("Anika", 5), ("Jasmin", 4), ("Aanya", 4), ("Navneet", 3), ("Harleen", 3),
           ("Isha", 3), ("Diya", 3), ("Meera", 3)),
    "pl": (("Zuzanna", 10), ("Julia", 9), ("Lena", 8), ("Hanna", 8), ("Oliwia", 8),
           ("Alicja", 7), ("Maja", 7), ("Zofia", 6), ("Amelia", 5), ("Natalia", 5),
           ("Wiktoria", 4), ("Martyna", 3)),
    "vn": (("Linh", 5), ("Anh", 4), ("Mai", 4), ("Ngoc", 3), ("Emily", 3), ("Jessica", 3),
           ("Vy", 3)),
    "wa": (("Precious", 5), ("Blessing", 4), ("Chiamaka", 4), ("Grace", 6), ("Favour", 4),
           ("Esther", 4), ("Abigail", 4), ("Adaeze", 3), ("Ama", 3), ("Tolu", 2),
           ("Deborah", 3), ("Victoria", 3)),
    "so": (("Hodan", 5), ("Ayan", 5), ("Sagal", 4), ("Hafsa", 4), ("Amina", 5),
           ("Fardowsa", 3), ("Ikran", 3), ("Nasra", 3)),
}

# ---------------------------------------------------------------------------
# Adults (carers and practitioners)
# ---------------------------------------------------------------------------

ADULT_FEMALE_FORENAMES: tuple[tuple[str, int], ...] = (
    ("Sarah", 60), ("Emma", 55), ("Claire", 45), ("Rachel", 40), ("Lisa", 38),
    ("Laura", 42), ("Gemma", 40), ("Nicola", 36), ("Michelle", 34), ("Kelly", 34),
    ("Amy", 36), ("Hannah", 32), ("Rebecca", 36), ("Charlotte", 30), ("Victoria", 28),
    ("Jennifer", 26), ("Louise", 28), ("Kate", 22), ("Joanne", 24), ("Samantha", 28),
    ("Natalie", 26), ("Stacey", 22), ("Danielle", 24), ("Zoe", 20), ("Jessica", 22),
    ("Lucy", 24), ("Katie", 24), ("Amanda", 18), ("Donna", 14), ("Leanne", 18),
    ("Hayley", 20), ("Kirsty", 16), ("Jodie", 14), ("Charlene", 10), ("Helen", 26),
    ("Karen", 16), ("Jade", 18), ("Sophie", 20), ("Chloe", 16), ("Lauren", 20),
    ("Fatima", 10), ("Nadia", 8), ("Shazia", 7), ("Ayesha", 8), ("Sadia", 6),
    ("Samina", 5), ("Priya", 6), ("Sunita", 5), ("Harpreet", 5), ("Agnieszka", 6),
    ("Katarzyna", 6), ("Anna", 10), ("Magdalena", 5), ("Joanna", 8), ("Chioma", 4),
    ("Ngozi", 4), ("Grace", 8), ("Aisha", 6), ("Aoife", 3), ("Siobhán", 4),
    ("Marie", 8), ("Zoë", 3), ("Hodan", 2), ("Linh", 2),
)

ADULT_MALE_FORENAMES: tuple[tuple[str, int], ...] = (
    ("David", 55), ("Paul", 40), ("Mark", 40), ("Andrew", 40), ("Richard", 32),
    ("Daniel", 48), ("James", 50), ("Christopher", 42), ("Michael", 45), ("Matthew", 45),
    ("Stephen", 26), ("Lee", 24), ("Craig", 22), ("Gareth", 14), ("Jason", 18),
    ("Darren", 18), ("Wayne", 12), ("Scott", 20), ("Ben", 22), ("Tom", 22),
    ("Adam", 28), ("Ryan", 26), ("Carl", 14), ("Dean", 14), ("Gary", 14),
    ("Jamie", 22), ("Kevin", 14), ("Neil", 12), ("Simon", 16), ("Robert", 22),
    ("John", 24), ("Peter", 14), ("Steven", 20), ("Luke", 22), ("Ashley", 12),
    ("Thomas", 26), ("Liam", 18), ("Nathan", 16), ("Joe", 10), ("Anthony", 16),
    ("Imran", 8), ("Asif", 6), ("Tariq", 5), ("Mohammed", 12), ("Imtiaz", 4),
    ("Amir", 5), ("Rajesh", 4), ("Sanjay", 4), ("Gurpreet", 4), ("Piotr", 6),
    ("Tomasz", 6), ("Marcin", 5), ("Krzysztof", 4), ("Chinedu", 3), ("Emeka", 3),
    ("Kwame", 3), ("Seán", 3), ("Conor", 5), ("Abdi", 2), ("Minh", 2),
)

# ---------------------------------------------------------------------------
# Nicknames / other preferred forenames
# ---------------------------------------------------------------------------

NICKNAMES: dict[str, tuple[str, ...]] = {
    "Alexander": ("Alex", "Xander", "Sasha"), "Aleksander": ("Olek", "Alek"),
    "William": ("Will", "Billy", "Liam"), "Thomas": ("Tom", "Tommy"),
    "James": ("Jamie", "Jim"), "Joshua": ("Josh",), "Samuel": ("Sam", "Sammy"),
    "Benjamin": ("Ben", "Benji"), "Joseph": ("Joe", "Joey"), "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",), "Christopher": ("Chris",), "Michael": ("Mike", "Mikey"),
    "Nathaniel": ("Nate", "Nat"), "Zachary": ("Zach", "Zac"), "Theodore": ("Theo", "Teddy"),
    "Edward": ("Ed", "Eddie", "Ted"), "Oliver": ("Ollie",), "Harrison": ("Harry",),
    "Henry": ("Harry", "Hal"), "Sebastian": ("Seb",), "Jacob": ("Jake",),
    "Muhammad": ("Mo",), "Mohammed": ("Mo",), "Mohammad": ("Mo",), "Jakub": ("Kuba",),
    "Gabriel": ("Gabe",), "Dominic": ("Dom",), "Nathan": ("Nate",), "Louis": ("Lou",),
    "Frederick": ("Freddie",), "Anthony": ("Tony", "Ant"), "Andrew": ("Andy", "Drew"),
    "Patrick": ("Paddy",), "Elliot": ("Eli",), "Elijah": ("Eli",), "Emmanuel": ("Manny",),
    "Abdullah": ("Abdul",), "Ibrahim": ("Ibby",), "Isaac": ("Zac",), "Reuben": ("Ruby",),
    "Elizabeth": ("Lizzie", "Beth", "Libby", "Eliza"), "Isabella": ("Bella", "Izzy"),
    "Isabelle": ("Izzy", "Belle"), "Charlotte": ("Lottie", "Charlie"),
    "Florence": ("Flo", "Florrie"), "Amelia": ("Millie", "Mia"),
    "Olivia": ("Liv", "Livvy"), "Sophia": ("Sophie",), "Sophie": ("Soph",),
    "Jessica": ("Jess", "Jessie"), "Abigail": ("Abi", "Abby"), "Victoria": ("Tori", "Vicky"),
    "Eleanor": ("Ellie", "Nell"), "Penelope": ("Penny",), "Matilda": ("Tilly", "Tilda"),
    "Imogen": ("Immy",), "Harriet": ("Hattie",), "Evelyn": ("Evie",),
    "Rebecca": ("Becky", "Becca"), "Natalia": ("Tala",), "Gracie": ("Grace",),
    "Margot": ("Margo",), "Beatrice": ("Bea",), "Josephine": ("Josie",),
    "Alexandra": ("Alex", "Lexi"), "Katie": ("Kate",), "Zuzanna": ("Zuzia",),
    "Maryam": ("Mimi",), "Khadija": ("Dija",), "Georgia": ("George",),
}

# Same-sex twin pairs with similar names (a few twins get these).
SIMILAR_BOY_PAIRS: tuple[tuple[str, str], ...] = (
    ("Jack", "Jake"), ("Harry", "Harvey"), ("Ethan", "Evan"), ("Leo", "Luca"),
    ("Oliver", "Oscar"), ("Alfie", "Archie"), ("Finley", "Freddie"), ("Mason", "Max"),
    ("Ryan", "Rhys"), ("Kai", "Kian"), ("Louie", "Lewis"), ("Riley", "Reuben"),
    ("Jacob", "Joseph"), ("Tyler", "Toby"), ("Elliot", "Elliott"),
)
SIMILAR_GIRL_PAIRS: tuple[tuple[str, str], ...] = (
    ("Ella", "Ellie"), ("Lily", "Lola"), ("Isla", "Isabella"), ("Amelia", "Emilia"),
    ("Mia", "Maya"), ("Evie", "Eva"), ("Millie", "Mollie"), ("Poppy", "Daisy"),
    ("Rosie", "Ruby"), ("Sophie", "Sophia"), ("Chloe", "Zoe"), ("Hollie", "Holly"),
    ("Lacey", "Lucy"), ("Lilly", "Lily"),
)

# ---------------------------------------------------------------------------
# Streets, house names, places (for synthetic addresses and organisation names)
# ---------------------------------------------------------------------------

STREET_WORDS: tuple[str, ...] = (
    "Mill", "Station", "Church", "High", "Park", "Victoria", "Albert", "Queen's",
    "King's", "Manor", "Orchard", "Meadow", "Oak", "Elm", "Ash", "Beech", "Willow",
    "Chestnut", "Cedar", "Hawthorn", "Rowan", "Birch", "Holly", "Maple", "Windsor",
    "York", "Grange", "Priory", "Abbey", "School", "Bridge", "Green", "Springfield",
    "Highfield", "Westfield", "Fairfield", "Brookfield", "Mayfield", "Woodland",
    "Hillside", "Riverside", "Lime", "Cherry", "Poplar", "Sycamore", "Laburnum",
    "Jubilee", "Coronation", "Nelson", "Wellington", "Stanley", "Clarence",
    "Cromwell", "Gladstone", "Milton", "Shakespeare", "Tennyson", "Byron", "Chaucer",
    "Darwin", "Newton", "St John's", "St Mary's", "St Peter's", "Rectory", "Vicarage",
    "Market", "Castle", "Chapel", "Well", "Water", "Sandy", "Stone", "Fox", "Badger",
    "Kingfisher", "Heron", "Swallow", "Lark", "Wren", "Robin", "Nightingale",
    "Falcon", "Cambridge", "London", "Oxford", "Mount Pleasant", "Belmont",
    "Beaumont", "Ashfield", "Greenway", "Linden", "Lavender", "Primrose", "Bluebell",
    "Foxglove", "Heather", "Clover", "Harrow", "Dene", "Coppice", "Spinney",
    "Thornbury", "Ferndale", "Glebe", "Pound", "Tannery", "Brewery", "Forge",
    "Granary", "Malthouse", "Cornfield", "Longacre", "Redhill", "Blackthorn",
)

STREET_TYPES: tuple[tuple[str, int], ...] = (
    ("Road", 30), ("Street", 14), ("Lane", 12), ("Close", 12), ("Avenue", 8),
    ("Drive", 8), ("Way", 5), ("Crescent", 4), ("Gardens", 4), ("Grove", 3),
    ("Place", 2), ("Court", 3), ("Terrace", 2), ("Walk", 1), ("Rise", 1),
    ("View", 1), ("Mews", 1), ("Row", 1), ("Square", 1), ("Hill", 1),
)

HOUSE_NAMES: tuple[str, ...] = (
    "Rose Cottage", "The Old Rectory", "Ivy Cottage", "The Willows", "Orchard House",
    "Meadow View", "The Barn", "Holly Lodge", "The Laurels", "Field View",
    "Fern Cottage", "The Old School House", "Mill House", "Keeper's Cottage",
    "The Coach House", "Brook Farm", "Hillcrest", "Woodside", "The Stables",
    "Jasmine Cottage",
)

PLACE_WORDS: tuple[str, ...] = (
    "Oakfield", "Meadowbank", "Hillside", "Brookside", "Ashgrove", "Beechwood",
    "Elmhurst", "Fairview", "Greenfields", "Hawthorne", "Kingsway", "Larkrise",
    "Millbrook", "Northgate", "Orchard", "Parkside", "Queensway", "Riverside",
    "Southfields", "Thornhill", "Westbrook", "Willowbank", "Woodlands", "Abbeyfield",
    "Bramley", "Castleview", "Deanfield", "Eastfield", "Foxhill", "Glebelands",
    "Highcliffe", "Ivydale", "Juniper", "Kestrel", "Lakeside", "Moorland", "Netherfield",
    "Oakwood", "Pinewood", "Redwood", "Sandfield", "Templefield", "Upton", "Valley",
    "Whitegate", "Yew Tree", "Brambles", "Cherry Tree", "Harbour", "Heathfield",
)

SAINTS: tuple[str, ...] = (
    "St Mary's", "St John's", "St Peter's", "St Paul's", "St Andrew's", "St Michael's",
    "St Joseph's", "St Anne's", "St Thomas'", "St George's", "St Luke's", "St Mark's",
    "Holy Trinity", "Christ Church", "St Margaret's", "St Nicholas'", "Our Lady's",
    "St Bernadette's", "St Augustine's", "All Saints",
)

# ---------------------------------------------------------------------------
# Local authorities: real DfE LA codes and names; towns with their postcode
# districts (outward codes). Each town: (locality, post_town, weight, outwards).
# phone: an Ofcom drama range prefix; the number is prefix + 3 digits.
# weight: approximate number of children (thousands), for sizing.
# ---------------------------------------------------------------------------

LOCAL_AUTHORITIES: tuple[dict, ...] = (
    {
        "code": "873", "name": "Cambridgeshire", "weight": 150, "phone": "01632 960",
        "towns": (
            ("Cambridge", "Cambridge", 35, ("CB1", "CB2", "CB3", "CB4", "CB5")),
            ("Ely", "Ely", 6, ("CB6", "CB7")),
            ("Cambourne", "Cambridge", 3, ("CB23",)),
            ("Sawston", "Cambridge", 3, ("CB22",)),
            ("Huntingdon", "Huntingdon", 7, ("PE28", "PE29")),
            ("St Neots", "St Neots", 6, ("PE19",)),
            ("St Ives", "St Ives", 5, ("PE27",)),
            ("Wisbech", "Wisbech", 6, ("PE13", "PE14")),
            ("March", "March", 5, ("PE15",)),
        ),
    },
    {
        "code": "926", "name": "Norfolk", "weight": 185, "phone": "01632 960",
        "towns": (
            ("Norwich", "Norwich", 35, ("NR1", "NR2", "NR3", "NR4", "NR5", "NR6", "NR7",
                                        "NR8", "NR13", "NR14")),
            ("Great Yarmouth", "Great Yarmouth", 10, ("NR30", "NR31")),
            ("King's Lynn", "King's Lynn", 10, ("PE30", "PE31", "PE33", "PE34")),
            ("Thetford", "Thetford", 6, ("IP24",)),
            ("Dereham", "Dereham", 5, ("NR19", "NR20")),
            ("Cromer", "Cromer", 3, ("NR27",)),
            ("North Walsham", "North Walsham", 3, ("NR28",)),
            ("Wymondham", "Wymondham", 4, ("NR18",)),
            ("Diss", "Diss", 3, ("IP22",)),
            ("Attleborough", "Attleborough", 3, ("NR17",)),
        ),
    },
    {
        "code": "330", "name": "Birmingham", "weight": 290, "phone": "0121 496 0",
        "towns": (
            ("Birmingham", "Birmingham", 90,
             tuple(f"B{i}" for i in range(1, 39)) + ("B42", "B43", "B44", "B45")),
            ("Sutton Coldfield", "Sutton Coldfield", 10, ("B72", "B73", "B74", "B75", "B76")),
        ),
    },
    {
        "code": "925", "name": "Lincolnshire", "weight": 155, "phone": "01632 960",
        "towns": (
            ("Lincoln", "Lincoln", 20, ("LN1", "LN2", "LN5", "LN6")),
            ("Boston", "Boston", 8, ("PE20", "PE21")),
            ("Grantham", "Grantham", 10, ("NG31", "NG32")),
            ("Spalding", "Spalding", 8, ("PE11", "PE12")),
            ("Skegness", "Skegness", 5, ("PE24", "PE25")),
            ("Gainsborough", "Gainsborough", 5, ("DN21",)),
            ("Louth", "Louth", 4, ("LN11",)),
            ("Stamford", "Stamford", 5, ("PE9",)),
            ("Sleaford", "Sleaford", 6, ("NG34",)),
            ("Mablethorpe", "Mablethorpe", 2, ("LN12",)),
            ("Horncastle", "Horncastle", 2, ("LN9",)),
            ("Market Rasen", "Market Rasen", 2, ("LN8",)),
        ),
    },
    {
        "code": "341", "name": "Liverpool", "weight": 105, "phone": "0151 496 0",
        "towns": (
            ("Liverpool", "Liverpool", 100,
             tuple(f"L{i}" for i in range(1, 20)) + ("L24", "L25", "L27")),
        ),
    },
    {
        "code": "302", "name": "Barnet", "weight": 95, "phone": "020 7946 0",
        "towns": (
            ("Barnet", "Barnet", 15, ("EN4", "EN5")),
            ("Finchley", "London", 20, ("N2", "N3", "N12")),
            ("Hendon", "London", 12, ("NW4",)),
            ("Edgware", "Edgware", 10, ("HA8",)),
            ("Mill Hill", "London", 8, ("NW7",)),
            ("Golders Green", "London", 10, ("NW11",)),
            ("Colindale", "London", 12, ("NW9",)),
            ("Whetstone", "London", 6, ("N20",)),
            ("Friern Barnet", "London", 6, ("N11",)),
        ),
    },
)

# ODS prefixes used for synthetic GP practice codes, per LA (letter + 2 digits).
GP_ODS_PREFIX: dict[str, tuple[str, ...]] = {
    "873": ("D81",), "926": ("D82",), "330": ("M85", "M88"), "925": ("C83",),
    "341": ("N82",), "302": ("E83",),
}

# Ofcom drama ranges (each prefix + 3 digits is never allocated to a real line).
MOBILE_DRAMA_PREFIX = "07700 900"
GENERIC_DRAMA_PREFIX = "01632 960"

# Postcode inward letters allowed by the strict pattern: [ABD-HJLNP-UW-Z].
POSTCODE_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
