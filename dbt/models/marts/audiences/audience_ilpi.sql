{{ audience('ilpi') }}
