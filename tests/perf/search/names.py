"""Name lists for the independent search corpus (tests/perf/search/corpus.py).

Written for this corpus alone: not taken from index/demo_names.py nor from
tests/perf/matching/synthetic.py, and not in their order. Frequencies are not
tables: each list is given a Zipf-like weight by its position after a fixed shuffle
(corpus.zipf), so the common names here are not the demo's common names.
"""

from __future__ import annotations

GIRLS = """
Amelia Poppy Imogen Matilda Harriet Eleanor Florence Phoebe Martha Beatrice Clara Rosie
Evie Maisie Lottie Hattie Tilly Esme Ottilie Iris Ivy Ada Edith Mabel Nancy Elsie Winifred
Georgina Lucy Hannah Bethany Chloe Megan Lauren Abigail Jessica Rebecca Rachel Natalie
Charlotte Katie Holly Amber Jasmine Summer Skye Willow Hazel Daisy Lily Rose Violet Scarlett
Ruby Jade Amy Zoe Ellie Sophie Millie Grace Freya Isla Ava Mia Emily Olivia Isabella Sienna
Harper Aria Luna Nova Aurora Maya Leah Erin Niamh Siobhan Aoife Ciara Roisin Saoirse Orla
Caitlin Shannon Bridget Kayleigh Demi Jodie Leanne Gemma Stacey Tegan Carys Seren Ffion
Eira Cerys Morven Kirsty Fiona Isobel Catriona Eilidh Zara Layla Aisha Fatima Maryam Zainab
Amira Hafsa Khadija Safa Hana Priya Anika Diya Aaradhya Ishani Simran Harleen Jaspreet Navneet
Zofia Maja Zuzanna Julia Hanna Oliwia Lena Alicja Wiktoria Natalia Amara Chiamaka Adaeze
Ngozi Folake Temitope Abena Akosua Efua Ama Ayomide Oluwaseun Chidinma Nkechi Ifeoma Precious
Blessing Favour Peace Tiana Kiera Keeley Courtney Paige Chelsea Brooke Elise Josephine
Margot Delphine Juliet Rosalind Cordelia Verity Honor Felicity Prudence Agnes Dorothy
""".split()

BOYS = """
Barnaby Jasper Rupert Hugo Felix Rufus Alfred Ernest Albert Stanley Frederick Walter Bertie
Douglas Gordon Angus Hamish Callum Fraser Euan Finlay Lachlan Ruaridh Struan Connor Liam Sean
Cian Oisin Padraig Ronan Eoin Darragh Cathal Fionn Kieran Declan Niall Owen Rhys Dafydd
Gethin Iwan Osian Emrys Tomos Harri Jac Callan Brandon Jordan Tyler Kai Bailey Kyle Jamie
Lewis Aaron Nathan Bradley Corey Reece Jake Ben Sam Tom Dan Joe Alex Max Leo Oscar Theo Noah
Jack Harry George Charlie Thomas William James Henry Edward Arthur Archie Alfie Freddie
Oliver Jacob Joshua Ethan Isaac Samuel Lucas Daniel Alexander Mason Logan Benjamin Dylan
Adam Elliot Toby Luke Matthew Reuben Jude Rory Zachary Gabriel Caleb Micah Ezra Elias
Tobias Jonah Seth Abel Ibrahim Yusuf Omar Hamza Bilal Zain Ayaan Arjun Rohan Aarav Vihaan
Ishaan Kabir Dev Harjit Gurpreet Manpreet Sukhdev Imran Faisal Tariq Kamran Jakub Kacper
Szymon Filip Mateusz Antoni Franciszek Wojciech Piotr Bartosz Krzysztof Tomasz Chinedu
Emeka Obinna Chukwuemeka Tunde Femi Kwame Kofi Kwabena Yaw Kojo Oluwadamilare Adebayo Ayodele
Tobenna Uchenna Marcus Andre Tyrone Jermaine Dwayne Malachi Desmond Winston Clive Neville
Ashley Darren Wayne Craig Lee Dean Shane Scott Ross Grant Stuart Cameron Duncan Malcolm
""".split()

SURNAMES = """
Ashworth Barraclough Battersby Bickerstaff Blenkinsop Braithwaite Brearley Butterworth
Cartwright Chadwick Clegg Crabtree Crossley Dewhurst Duckworth Entwistle Fairclough Fothergill
Greenhalgh Haworth Heseltine Hebblethwaite Holroyd Illingworth Kershaw Lumb Mellor Ormerod
Pickersgill Ramsbottom Sutcliffe Thistlethwaite Uttley Whitworth Ackroyd Bairstow Hirst
Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker
White Roberts Green Hall Wood Jackson Clarke Clark Harris Lewis Martin Cooper King Baker Hill
Harrison Morgan Turner Allen Ward Hughes Edwards Moore Parker Mitchell Lee Scott Bennett
Cook Carter Phillips Shaw Watson Collins Price Lloyd Ellis Marshall Hunt Harvey Mills Fox
Webb Knight Pearce Rose Stone Holmes Lowe Burton Dixon Gibson Murray Palmer Owen Chapman
Griffiths Reynolds Fletcher Kelly Richards Hudson Barker Matthews Lawrence Payne Powell
Spencer Pritchard Bailey Cole Dawson Gardner Hart Heath Hobbs Howell Jenkins Kemp Lamb Lane
Nash Nicholson Osborne Pope Quinn Reid Riley Rowe Sharp Simpson Slater Summers Swift Tucker
Vaughan Wade Walsh Warren Watts Wells West Wheeler Whitehead Wilkinson Woodward Yates Young
Abbott Atkinson Bates Bird Booth Bradley Bull Burgess Cross Curtis Day Doyle Duncan Farmer
Fisher Ford Foster Francis Gill Gordon Grant Gray Hancock Hayes Hopkins Horton Howard Hurst
Jarvis Kay Kirby Lambert Mason May Moss Newman Norris Page Parry Pearson Poole Read Rees
Sanders Saunders Stevens Stewart Thornton Todd Tomlinson Townsend Walton Weaver Whitaker
Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski Wozniak
Dabrowski Kozlowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski Pawlowski
Patel Shah Singh Kaur Khan Ahmed Hussain Ali Rahman Begum Chowdhury Miah Islam Sharma Gupta
Mistry Parmar Chauhan Sandhu Gill Dhillon Bains Sidhu Iqbal Akhtar Butt Malik Qureshi Mahmood
Okafor Okonkwo Adeyemi Adebayo Oyelaran Balogun Ogunleye Mensah Asante Owusu Boateng Osei
Agyeman Darko Nwosu Eze Obi Nwachukwu Akinola Babatunde Afolabi Olawale Adewale Danquah
Murphy Kelly Byrne Ryan Walsh Doherty Kennedy Lynch Murray Quinlan Brennan Gallagher Flanagan
Devlin Maguire Keane Dunne Hegarty Moriarty Fitzgerald Fitzpatrick Cassidy Donnelly
""".split()

# Written with their prefix as a Scottish or Irish record keeps it.
MC_MAC = """
McDonald MacDonald McKenzie MacKenzie McLeod MacLeod McGregor MacGregor McIntyre McLaughlin
McCarthy McManus McBride McCann MacKay McKay MacInnes McAllister McGuinness McNally
""".split()

APOSTROPHE = """
O'Brien O'Connor O'Neill O'Sullivan O'Reilly O'Donnell O'Leary O'Hara O'Callaghan O'Shea
O'Driscoll D'Souza D'Cruz D'Arcy
""".split()

SPACED = ("De Souza", "Van Der Berg", "De Silva", "Da Costa", "Le Roux", "Du Plessis", "St John", "Ap Rhys")

# Middle names are drawn from the forename lists of the same sex plus these.
MIDDLE_GIRLS = "Mae May Rose Grace Louise Jane Anne Marie Elizabeth Victoria Jean Kate Hope Faith".split()
MIDDLE_BOYS = "John James Lee Paul Michael David Robert Peter Alan Ray Jay Thomas Edward George".split()

TOWNS = (
    ("Cambridge", "CB1"), ("Cambridge", "CB4"), ("Ely", "CB6"), ("Ely", "CB7"), ("Newmarket", "CB8"),
    ("Haverhill", "CB9"), ("Peterborough", "PE1"), ("Peterborough", "PE2"), ("Peterborough", "PE4"),
    ("Wisbech", "PE13"), ("March", "PE15"), ("Huntingdon", "PE29"), ("St Ives", "PE27"),
    ("St Neots", "PE19"), ("Royston", "SG8"), ("Chatteris", "PE16"), ("Whittlesey", "PE7"),
    ("Ramsey", "PE26"), ("Soham", "CB7"), ("Sawston", "CB22"),
)

STREETS = """
Ashgrove Beechcroft Church Mill Station Victoria Albert Park School Orchard Meadow Willow
Chapel Field Manor Hawthorn Elm Oak Cedar Rectory Bridge Water High Queens Kings Castle
Priory Abbey Hillside Brook Poplar Sycamore Lime Hazel Rowan Thorn Fen Drove Dyke Lode
""".split()
STREET_KINDS = ("Road", "Street", "Lane", "Close", "Way", "Avenue", "Drive", "Gardens", "Court", "Crescent")

# A long tail of English place-name surnames (Ashby, Blackwood, Thornley ...), so that
# surnames are as spread out as England's: the listed ones are the common head.
TAIL_HEADS = """
Ash Black Brad Brook Bur Cald Chat Clay Cold Crook Dal Down East Elm Fair Fern Gold Hal Haw
Hay Heath Hol Kings Lang Lin Marsh Mid Mill Moor New North Oak Pen Red Rod Shel South Stan
Stock Thorn Wal Wes White Wick Win Wood Al Bram Bren Car
""".split()
TAIL_ENDS = """
by ley ton worth wood ford ham field well combe stead hurst bury thorpe dale wick bourne
low cliffe ridge more gate stow den
""".split()
