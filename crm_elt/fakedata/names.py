"""Brazilian names as they are distributed: data, not code.

Weights are relative frequencies, roughly as IBGE's census counts them (first names of
adults; surnames by their share of people, Silva about 7 % of surname slots). Faker's pt_BR
lists add a thin tail. Compound first names (Maria Eduarda, João Pedro) are entries of their
own; surnames may carry their usual particle (da Silva, dos Santos).
"""

from __future__ import annotations

# name|gender (F/M)|weight
_FIRST_NAMES = """
Maria|F|300
Ana|F|300
Francisca|F|180
Antônia|F|150
Adriana|F|140
Juliana|F|140
Márcia|F|135
Fernanda|F|135
Patrícia|F|130
Aline|F|125
Sandra|F|120
Camila|F|120
Amanda|F|110
Bruna|F|105
Jéssica|F|105
Letícia|F|100
Júlia|F|95
Luciana|F|95
Vanessa|F|95
Mariana|F|95
Gabriela|F|90
Vera|F|80
Vitória|F|75
Larissa|F|75
Cláudia|F|75
Beatriz|F|75
Rita|F|70
Luana|F|70
Sônia|F|70
Renata|F|70
Eliane|F|70
Simone|F|65
Rosângela|F|60
Daniela|F|60
Tatiane|F|60
Cristiane|F|60
Carla|F|55
Raquel|F|55
Débora|F|55
Priscila|F|55
Natália|F|55
Rafaela|F|50
Lúcia|F|50
Rosa|F|50
Regina|F|50
Andreia|F|50
Isabela|F|45
Carolina|F|45
Michele|F|45
Raimunda|F|40
Kelly|F|40
Jaqueline|F|40
Viviane|F|40
Fabiana|F|40
Elaine|F|40
Silvana|F|40
Tânia|F|40
Josefa|F|35
Célia|F|35
Helena|F|35
Alice|F|35
Laura|F|35
Mônica|F|35
Lorena|F|30
Sabrina|F|30
Thaís|F|30
Bianca|F|30
Joana|F|30
Teresa|F|30
Marlene|F|30
Terezinha|F|30
Luzia|F|30
Aparecida|F|30
Sílvia|F|30
Ivone|F|25
Edna|F|25
Eliana|F|25
Rosana|F|25
Solange|F|25
Kátia|F|25
Denise|F|25
Valéria|F|25
Gisele|F|25
Karina|F|25
Caroline|F|25
Paula|F|25
Marta|F|25
Sueli|F|25
Elisângela|F|25
Yasmin|F|20
Lívia|F|20
Cleide|F|20
Neide|F|20
Marisa|F|20
Tereza|F|15
Ingrid|F|15
Manuela|F|15
Sophia|F|15
Heloísa|F|15
Nathália|F|15
Irene|F|15
Jussara|F|15
Valentina|F|10
Rayane|F|10
Glória|F|10
Thaynara|F|8
Maria José|F|60
Maria Aparecida|F|80
Maria de Fátima|F|60
Maria das Graças|F|50
Maria Eduarda|F|70
Maria Clara|F|45
Maria Luiza|F|40
Maria Fernanda|F|30
Maria Helena|F|35
Maria Cristina|F|30
Maria Lúcia|F|30
Maria do Carmo|F|30
Maria Alice|F|20
Maria Vitória|F|20
Maria Júlia|F|20
Ana Paula|F|110
Ana Carolina|F|55
Ana Clara|F|50
Ana Beatriz|F|40
Ana Maria|F|40
Ana Luiza|F|35
Ana Júlia|F|30
Ana Cláudia|F|25
Ana Lúcia|F|25
Ana Cristina|F|20
Ana Flávia|F|15
Ana Vitória|F|15
Ana Laura|F|15
José|M|250
João|M|200
Antônio|M|180
Francisco|M|130
Carlos|M|110
Paulo|M|105
Pedro|M|100
Lucas|M|95
Luiz|M|85
Marcos|M|85
Gabriel|M|70
Rafael|M|60
Daniel|M|55
Marcelo|M|55
Bruno|M|50
Eduardo|M|50
Felipe|M|45
Raimundo|M|45
Rodrigo|M|45
Luís|M|40
Manoel|M|40
André|M|40
Fernando|M|40
Fábio|M|40
Leonardo|M|40
Gustavo|M|40
Guilherme|M|40
Mateus|M|35
Thiago|M|35
Ricardo|M|35
Matheus|M|30
Diego|M|30
Sérgio|M|30
Roberto|M|30
Jorge|M|30
Alexandre|M|30
Vinícius|M|30
Renato|M|25
Arthur|M|25
Leandro|M|25
Márcio|M|25
Anderson|M|25
Tiago|M|20
Júlio|M|20
Samuel|M|20
Miguel|M|20
Davi|M|20
Edson|M|20
Wellington|M|20
Sebastião|M|20
Severino|M|20
Henrique|M|15
Caio|M|15
Igor|M|15
Cícero|M|15
Benedito|M|15
Heitor|M|10
Bernardo|M|10
Joaquim|M|10
João Pedro|M|45
José Carlos|M|30
João Paulo|M|25
João Vitor|M|25
Luiz Carlos|M|25
Carlos Eduardo|M|25
Antônio Carlos|M|25
Pedro Henrique|M|25
Paulo Henrique|M|20
Luiz Fernando|M|15
José Antônio|M|15
José Roberto|M|15
João Gabriel|M|10
Francisco das Chagas|M|10
"""

# surname|weight (per mille of surname slots)|usual particle|share of people using it
_SURNAMES = """
Silva|36|da|0.35
Santos|24|dos|0.4
Oliveira|20|de|0.2
Souza|19|de|0.2
Rodrigues|18||0
Ferreira|17||0
Alves|17||0
Pereira|16||0
Lima|15|de|0.1
Gomes|14||0
Costa|13|da|0.2
Ribeiro|12||0
Martins|11||0
Carvalho|10|de|0.1
Araújo|8|de|0.1
Almeida|9|de|0.15
Lopes|9||0
Soares|9||0
Fernandes|9||0
Sousa|8|de|0.2
Vieira|8||0
Barbosa|8||0
Rocha|7.5|da|0.1
Dias|7||0
Nascimento|7|do|0.5
Andrade|6.5|de|0.1
Moreira|6.5||0
Nunes|6||0
Marques|6||0
Machado|5.5||0
Mendes|5.5||0
Freitas|5.5|de|0.2
Cardoso|5||0
Ramos|5||0
Gonçalves|5||0
Santana|5||0
Jesus|5|de|0.9
Melo|5|de|0.2
Teixeira|4.5||0
Batista|4.5||0
Correia|3.5||0
Moura|3.5||0
Campos|3.5||0
Reis|3.5|dos|0.3
Barros|3.5||0
Monteiro|3||0
Cavalcanti|3||0
Pinto|3||0
Cunha|3|da|0.2
Castro|3|de|0.1
Farias|3|de|0.1
Borges|3||0
Conceição|2.5|da|0.85
Nogueira|2.5||0
Pires|2.5||0
Miranda|2.5||0
Coelho|2.5||0
Medeiros|2.5||0
Brito|2.5||0
Cruz|2.5|da|0.3
Bezerra|2.5||0
Rezende|2||0
Xavier|2||0
Duarte|2||0
Azevedo|2||0
Sales|2||0
Macedo|2||0
Matos|2||0
Tavares|2||0
Pinheiro|2||0
Leite|2||0
Moraes|2|de|0.15
Aguiar|1.5||0
Fonseca|1.5|da|0.2
Guimarães|1.5||0
Magalhães|1.5||0
Siqueira|1.5||0
Queiroz|1.5||0
Paiva|1.5||0
Bastos|1.5||0
Vasconcelos|1.5||0
Dantas|1.5||0
Morais|1.5|de|0.15
Neves|1.5|das|0.4
Viana|1.5||0
Menezes|1.5||0
Mota|1.5||0
Barreto|1.5||0
Silveira|1.5|da|0.1
Cavalcante|1.5||0
Amaral|1.2||0
Cordeiro|1.2||0
Figueiredo|1.2||0
Carneiro|1.2||0
Abreu|1.2|de|0.2
Maia|1.2||0
Freire|1.2||0
Lacerda|1||0
Peixoto|1||0
Brandão|1||0
Prado|1|do|0.3
Franco|1||0
Bueno|1||0
Camargo|1||0
Sampaio|1||0
Arruda|1||0
Rios|1||0
Chaves|1||0
Assis|1|de|0.8
Lemos|1||0
Albuquerque|1|de|0.3
Pacheco|1||0
Torres|1||0
Paula|1|de|0.9
Anjos|1|dos|0.95
Chagas|1|das|0.6
Fagundes|0.8||0
Toledo|0.8||0
Porto|0.8||0
Sá|0.8|de|0.5
Guedes|0.8||0
Cabral|0.8||0
Mesquita|0.8||0
Diniz|0.8||0
Antunes|0.8||0
Feitosa|0.8||0
Lira|0.8||0
Simões|0.8||0
Galvão|0.7||0
Alencar|0.7||0
Muniz|0.7||0
Evangelista|0.7||0
Caldeira|0.6||0
Rangel|0.6||0
Lins|0.6||0
Nóbrega|0.6||0
Fontes|0.6||0
Falcão|0.6||0
Holanda|0.6||0
Rabelo|0.6||0
Vaz|0.6||0
Paz|0.6|da|0.5
Meireles|0.6||0
Gama|0.6|da|0.3
Pessoa|0.6||0
Domingues|0.6||0
Godoy|0.6||0
Sena|0.6||0
Teles|0.6||0
Lobo|0.5||0
Aragão|0.5||0
Portela|0.5||0
Bittencourt|0.5||0
Bento|0.5||0
Luz|0.5|da|0.6
Trindade|0.5||0
Vidal|0.5||0
Rosário|0.5|do|0.8
Carmo|0.5|do|0.8
Valente|0.4||0
Sobral|0.4||0
Jardim|0.4||0
Telles|0.4||0
Damasceno|0.4||0
Novaes|0.4||0
Pedrosa|0.4||0
Deus|0.4|de|0.95
Honorato|0.3||0
Severo|0.3||0
Valadares|0.3||0
Quintana|0.2||0
"""

# Faker's pt_BR lists add names the tables above lack, each with this weight.
TAIL_FIRST_NAME_WEIGHT = 2.0
TAIL_SURNAME_WEIGHT = 0.15


def _rows(block: str) -> list[list[str]]:
    return [line.split("|") for line in block.strip().splitlines()]


FIRST_NAMES = [(name, gender, float(weight)) for name, gender, weight in _rows(_FIRST_NAMES)]
SURNAMES = [
    (name, float(weight), particle, float(share))
    for name, weight, particle, share in _rows(_SURNAMES)
]

# What people call themselves on WhatsApp, by the first word of their first name (or the
# whole compound name).
NICKNAMES = {
    "Maria Eduarda": ("Duda", "Dudinha"),
    "Maria Aparecida": ("Cida",),
    "Maria das Graças": ("Graça",),
    "Maria de Fátima": ("Fátima",),
    "Maria José": ("Zezé",),
    "Maria do Carmo": ("Carminha",),
    "Ana Paula": ("Aninha", "Paulinha"),
    "João Pedro": ("JP", "Pedrinho"),
    "Maria": ("Mari", "Mariazinha"),
    "Ana": ("Aninha", "Nana"),
    "José": ("Zé", "Zezinho"),
    "Francisco": ("Chico",),
    "Francisca": ("Chica", "Chiquinha"),
    "Antônio": ("Toninho", "Tonho"),
    "Antônia": ("Toninha",),
    "Beatriz": ("Bia",),
    "Fernanda": ("Nanda", "Fê"),
    "Gabriela": ("Gabi",),
    "Gabriel": ("Biel",),
    "Isabela": ("Bela", "Isa"),
    "Juliana": ("Ju",),
    "Júlia": ("Ju", "Juju"),
    "Patrícia": ("Paty",),
    "Rafaela": ("Rafa",),
    "Rafael": ("Rafa",),
    "Luciana": ("Lu",),
    "Mariana": ("Mari",),
    "Eduardo": ("Edu",),
    "Guilherme": ("Gui",),
    "Leonardo": ("Léo",),
    "Roberto": ("Beto",),
    "Alexandre": ("Xande",),
    "Daniela": ("Dani",),
    "Daniel": ("Dani",),
    "Carolina": ("Carol",),
    "Caroline": ("Carol",),
    "Letícia": ("Lê", "Lelê"),
    "Vitória": ("Vivi", "Vic"),
    "Camila": ("Mila", "Cami"),
    "Larissa": ("Lari",),
    "Natália": ("Nati",),
    "Cristiane": ("Cris",),
    "Fabiana": ("Fabi",),
    "Tatiane": ("Tati",),
    "Thaís": ("Tatá",),
    "Pedro": ("Pedrinho",),
    "João": ("Joãozinho",),
    "Gustavo": ("Guga", "Gu"),
    "Marcelo": ("Celo",),
    "Vinícius": ("Vini",),
    "Felipe": ("Lipe",),
    "Matheus": ("Teteu",),
    "Ricardo": ("Rick",),
    "Raimundo": ("Mundinho",),
    "Manoel": ("Mané", "Manu"),
    "Sebastião": ("Tião",),
    "Benedito": ("Dito",),
    "Terezinha": ("Tê",),
    "Aparecida": ("Cida",),
    "Raquel": ("Quel",),
    "Priscila": ("Pri",),
    "Bruna": ("Bru",),
    "Jéssica": ("Jé", "Jess"),
    "Amanda": ("Mandinha",),
    "Luana": ("Lu",),
    "Adriana": ("Dri",),
    "Vanessa": ("Nessa",),
    "Simone": ("Si",),
    "Renata": ("Rê",),
    "Rodrigo": ("Digão",),
}

# WhatsApp profile decorations.
EMOJIS = ("🌸", "💖", "🙏", "✨", "🌻", "💕", "😊", "🌷", "⚕️", "💉", "👩‍⚕️", "🦋")

# Spellings people and clerks mix up; both directions are used.
SPELLING_VARIANTS = (
    ("Souza", "Sousa"),
    ("Luiz", "Luís"),
    ("Moraes", "Morais"),
    ("Cavalcanti", "Cavalcante"),
    ("Teresa", "Tereza"),
    ("Matheus", "Mateus"),
    ("Thiago", "Tiago"),
    ("Rezende", "Resende"),
    ("Vasconcelos", "Vasconcellos"),
    ("Bittencourt", "Bitencourt"),
    ("Queiroz", "Queirós"),
    ("Melo", "Mello"),
    ("Nathália", "Natália"),
    ("Thaís", "Taís"),
    ("Manoel", "Manuel"),
    ("Andreia", "Andréa"),
    ("Michele", "Michelle"),
    ("Brito", "Britto"),
    ("Mattos", "Matos"),
)
