import { render } from 'preact'
import { ConsoleApp } from './console-app.tsx'
import '../styles.css'
import './console.css'

const root = document.getElementById('app')
if (root !== null) render(<ConsoleApp />, root)
