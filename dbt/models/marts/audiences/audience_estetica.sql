{{ audience('estetica') }}
