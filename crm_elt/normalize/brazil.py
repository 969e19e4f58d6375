"""Brazilian telephone facts: the area codes (DDD) of each state (Anatel's numbering plan),
and of the largest municipalities (with their approximate population, in thousands, 2022
census, rounded: the fake-data generator draws where people live from it)."""

from __future__ import annotations

from typing import NamedTuple

DDDS_BY_STATE: dict[str, tuple[int, ...]] = {
    "AC": (68,),
    "AL": (82,),
    "AM": (92, 97),
    "AP": (96,),
    "BA": (71, 73, 74, 75, 77),
    "CE": (85, 88),
    "DF": (61,),
    "ES": (27, 28),
    "GO": (62, 64),
    "MA": (98, 99),
    "MG": (31, 32, 33, 34, 35, 37, 38),
    "MS": (67,),
    "MT": (65, 66),
    "PA": (91, 93, 94),
    "PB": (83,),
    "PE": (81, 87),
    "PI": (86, 89),
    "PR": (41, 42, 43, 44, 45, 46),
    "RJ": (21, 22, 24),
    "RN": (84,),
    "RO": (69,),
    "RR": (95,),
    "RS": (51, 53, 54, 55),
    "SC": (47, 48, 49),
    "SE": (79,),
    "SP": (11, 12, 13, 14, 15, 16, 17, 18, 19),
    "TO": (63,),
}
STATE_BY_DDD: dict[int, str] = {ddd: state for state, ddds in DDDS_BY_STATE.items() for ddd in ddds}


class Municipality(NamedTuple):
    name: str
    state: str
    area_code: int
    population: int  # thousands


_MUNICIPALITIES = """
São Paulo|SP|11|11451
Guarulhos|SP|11|1291
Campinas|SP|19|1139
São Bernardo do Campo|SP|11|810
Santo André|SP|11|748
Osasco|SP|11|728
Sorocaba|SP|15|723
Ribeirão Preto|SP|16|698
São José dos Campos|SP|12|697
São José do Rio Preto|SP|17|480
Mogi das Cruzes|SP|11|451
Jundiaí|SP|11|443
Piracicaba|SP|19|423
Mauá|SP|11|418
Santos|SP|13|418
Diadema|SP|11|393
Carapicuíba|SP|11|387
Bauru|SP|14|379
Itaquaquecetuba|SP|11|369
Franca|SP|16|352
Praia Grande|SP|13|349
São Vicente|SP|13|329
Barueri|SP|11|316
Taubaté|SP|12|310
Suzano|SP|11|307
Limeira|SP|19|291
Guarujá|SP|13|287
Sumaré|SP|19|279
Cotia|SP|11|274
Taboão da Serra|SP|11|273
Indaiatuba|SP|19|255
São Carlos|SP|16|254
Embu das Artes|SP|11|250
Araraquara|SP|16|242
Jacareí|SP|12|240
Americana|SP|19|237
Marília|SP|14|237
Hortolândia|SP|19|236
Itapevi|SP|11|232
Presidente Prudente|SP|18|225
Rio Claro|SP|19|201
Araçatuba|SP|18|200
Santa Bárbara d'Oeste|SP|19|183
Ferraz de Vasconcelos|SP|11|179
Bragança Paulista|SP|11|176
Itu|SP|11|168
Francisco Morato|SP|11|165
Pindamonhangaba|SP|12|165
São Caetano do Sul|SP|11|165
Itapecerica da Serra|SP|11|158
Atibaia|SP|11|158
Itapetininga|SP|15|157
Mogi Guaçu|SP|19|153
Botucatu|SP|14|145
Jaú|SP|14|133
Barretos|SP|17|122
Catanduva|SP|17|115
Ourinhos|SP|14|103
Assis|SP|18|101
Registro|SP|13|56
Rio de Janeiro|RJ|21|6211
São Gonçalo|RJ|21|896
Duque de Caxias|RJ|21|808
Nova Iguaçu|RJ|21|785
Campos dos Goytacazes|RJ|22|483
Belford Roxo|RJ|21|483
Niterói|RJ|21|481
São João de Meriti|RJ|21|440
Petrópolis|RJ|24|278
Volta Redonda|RJ|24|261
Macaé|RJ|22|246
Magé|RJ|21|228
Itaboraí|RJ|21|224
Cabo Frio|RJ|22|222
Maricá|RJ|21|197
Nova Friburgo|RJ|22|189
Barra Mansa|RJ|24|169
Angra dos Reis|RJ|24|167
Mesquita|RJ|21|167
Teresópolis|RJ|21|165
Queimados|RJ|21|140
Resende|RJ|24|129
Serra|ES|27|520
Vila Velha|ES|27|467
Cariacica|ES|27|353
Vitória|ES|27|322
Cachoeiro de Itapemirim|ES|28|185
Linhares|ES|27|166
Guarapari|ES|27|124
Colatina|ES|27|120
Belo Horizonte|MG|31|2315
Uberlândia|MG|34|713
Contagem|MG|31|621
Juiz de Fora|MG|32|540
Montes Claros|MG|38|414
Betim|MG|31|411
Uberaba|MG|34|337
Ribeirão das Neves|MG|31|329
Governador Valadares|MG|33|257
Divinópolis|MG|37|231
Ipatinga|MG|31|227
Sete Lagoas|MG|31|227
Santa Luzia|MG|31|219
Poços de Caldas|MG|35|163
Patos de Minas|MG|34|159
Pouso Alegre|MG|35|152
Teófilo Otoni|MG|33|137
Varginha|MG|35|136
Conselheiro Lafaiete|MG|31|131
Barbacena|MG|32|125
Araguari|MG|34|117
Itabira|MG|31|113
Passos|MG|35|111
Lavras|MG|35|104
Muriaé|MG|32|104
Ituiutaba|MG|34|102
Paracatu|MG|38|94
Unaí|MG|38|86
Curvelo|MG|38|80
Curitiba|PR|41|1773
Londrina|PR|43|555
Maringá|PR|44|409
Ponta Grossa|PR|42|358
Cascavel|PR|45|348
São José dos Pinhais|PR|41|329
Foz do Iguaçu|PR|45|285
Colombo|PR|41|232
Guarapuava|PR|42|182
Araucária|PR|41|151
Toledo|PR|45|150
Paranaguá|PR|41|145
Campo Largo|PR|41|136
Apucarana|PR|43|130
Pinhais|PR|41|127
Arapongas|PR|43|119
Almirante Tamandaré|PR|41|119
Piraquara|PR|41|118
Umuarama|PR|44|117
Cambé|PR|43|107
Campo Mourão|PR|44|99
Francisco Beltrão|PR|46|96
Pato Branco|PR|46|91
Joinville|SC|47|616
Florianópolis|SC|48|537
Blumenau|SC|47|361
São José|SC|48|270
Itajaí|SC|47|264
Chapecó|SC|49|254
Palhoça|SC|48|222
Criciúma|SC|48|214
Jaraguá do Sul|SC|47|182
Lages|SC|49|164
Brusque|SC|47|141
Balneário Camboriú|SC|47|139
Tubarão|SC|48|107
Camboriú|SC|47|103
Navegantes|SC|47|86
Concórdia|SC|49|81
Porto Alegre|RS|51|1332
Caxias do Sul|RS|54|463
Canoas|RS|51|347
Pelotas|RS|53|325
Santa Maria|RS|55|271
Gravataí|RS|51|265
Novo Hamburgo|RS|51|227
Viamão|RS|51|224
São Leopoldo|RS|51|217
Passo Fundo|RS|54|206
Rio Grande|RS|53|191
Alvorada|RS|51|187
Cachoeirinha|RS|51|136
Santa Cruz do Sul|RS|51|133
Sapucaia do Sul|RS|51|132
Bento Gonçalves|RS|54|123
Uruguaiana|RS|55|117
Bagé|RS|53|117
Erechim|RS|54|105
Ijuí|RS|55|83
Santo Ângelo|RS|55|76
Brasília|DF|61|2817
Goiânia|GO|62|1437
Aparecida de Goiânia|GO|62|527
Anápolis|GO|62|398
Rio Verde|GO|64|225
Águas Lindas de Goiás|GO|61|225
Luziânia|GO|61|209
Valparaíso de Goiás|GO|61|198
Senador Canedo|GO|62|155
Trindade|GO|62|142
Formosa|GO|61|115
Catalão|GO|64|114
Itumbiara|GO|64|107
Jataí|GO|64|105
Cuiabá|MT|65|650
Várzea Grande|MT|65|300
Rondonópolis|MT|66|244
Sinop|MT|66|196
Sorriso|MT|66|110
Tangará da Serra|MT|65|106
Cáceres|MT|65|89
Primavera do Leste|MT|66|85
Lucas do Rio Verde|MT|65|83
Campo Grande|MS|67|898
Dourados|MS|67|243
Três Lagoas|MS|67|132
Corumbá|MS|67|96
Ponta Porã|MS|67|92
Palmas|TO|63|302
Araguaína|TO|63|171
Gurupi|TO|63|85
Porto Velho|RO|69|460
Ji-Paraná|RO|69|124
Ariquemes|RO|69|96
Vilhena|RO|69|95
Rio Branco|AC|68|364
Cruzeiro do Sul|AC|68|91
Manaus|AM|92|2063
Itacoatiara|AM|92|103
Manacapuru|AM|92|101
Parintins|AM|92|96
Tefé|AM|97|73
Coari|AM|97|70
Boa Vista|RR|95|413
Belém|PA|91|1303
Ananindeua|PA|91|478
Santarém|PA|93|331
Parauapebas|PA|94|267
Marabá|PA|94|266
Castanhal|PA|91|192
Abaetetuba|PA|91|158
Cametá|PA|91|134
Altamira|PA|93|126
Bragança|PA|91|123
Macapá|AP|96|442
Santana|AP|96|107
São Luís|MA|98|1037
Imperatriz|MA|99|273
São José de Ribamar|MA|98|244
Timon|MA|99|174
Caxias|MA|99|156
Paço do Lumiar|MA|98|145
Codó|MA|99|114
Bacabal|MA|99|103
Balsas|MA|99|101
Teresina|PI|86|866
Parnaíba|PI|86|162
Picos|PI|89|83
Piripiri|PI|86|63
Floriano|PI|89|60
Fortaleza|CE|85|2428
Caucaia|CE|85|355
Juazeiro do Norte|CE|88|286
Maracanaú|CE|85|234
Sobral|CE|88|203
Crato|CE|88|131
Itapipoca|CE|88|131
Maranguape|CE|85|105
Iguatu|CE|88|98
Natal|RN|84|751
Mossoró|RN|84|264
Parnamirim|RN|84|252
São Gonçalo do Amarante|RN|84|115
Caicó|RN|84|61
João Pessoa|PB|83|833
Campina Grande|PB|83|419
Santa Rita|PB|83|149
Patos|PB|83|103
Bayeux|PB|83|82
Recife|PE|81|1488
Jaboatão dos Guararapes|PE|81|644
Petrolina|PE|87|386
Caruaru|PE|81|378
Olinda|PE|81|349
Paulista|PE|81|342
Cabo de Santo Agostinho|PE|81|203
Camaragibe|PE|81|147
Garanhuns|PE|87|142
Vitória de Santo Antão|PE|81|134
Serra Talhada|PE|87|92
Maceió|AL|82|957
Arapiraca|AL|82|234
Rio Largo|AL|82|93
Palmeira dos Índios|AL|82|71
Aracaju|SE|79|602
Nossa Senhora do Socorro|SE|79|192
Lagarto|SE|79|105
Itabaiana|SE|79|103
Salvador|BA|71|2418
Feira de Santana|BA|75|616
Vitória da Conquista|BA|77|370
Camaçari|BA|71|300
Juazeiro|BA|74|237
Lauro de Freitas|BA|71|203
Itabuna|BA|73|186
Ilhéus|BA|73|178
Porto Seguro|BA|73|168
Barreiras|BA|77|159
Jequié|BA|73|158
Alagoinhas|BA|75|151
Teixeira de Freitas|BA|73|145
Simões Filho|BA|71|114
Eunápolis|BA|73|113
Paulo Afonso|BA|75|112
Luís Eduardo Magalhães|BA|77|107
Santo Antônio de Jesus|BA|75|103
Guanambi|BA|77|87
Valença|BA|75|85
Jacobina|BA|74|80
Senhor do Bonfim|BA|74|74
Irecê|BA|74|73
"""
MUNICIPALITIES = tuple(
    Municipality(name, state, int(area_code), int(population))
    for name, state, area_code, population in (
        line.split("|") for line in _MUNICIPALITIES.strip().splitlines()
    )
)
